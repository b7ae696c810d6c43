// The example as the README runs it (same config file, same core), shortened: prepare, 30 training
// steps on the plain JS backend, then generation through the KV-cached engine.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { createModelGenerator, toEngine } from '@kiln/generate';
import { describe, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));

describe('example: llama-sotu', () => {
  it('kiln prepare + kiln train (shortened) + generation', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'kiln-llama-sotu-'));
    const kiln = await createKiln({
      cwd: EXAMPLE,
      command: 'run',
      runDir,
      logger: createMemoryLogger(),
      overrides: [
        'backend=js',
        'train.steps=30',
        'train.batchSize=4',
        'train.warmupSteps=3',
        'train.evalEvery=10',
        'train.evalBatches=2',
        'train.checkpointEvery=0',
      ],
    });
    try {
      const { train } = await kiln.run(['data', 'tokenizer', 'encode', 'train']);
      expect(train.metrics!['val/loss']).toBeLessThan(Math.log(257));
      const hooks = kiln.context().hooks;
      const { model } = await hooks.loadModel();
      const generator = createModelGenerator(toEngine(model, hooks, 'test'), await hooks.loadTokenizer());
      let text = '';
      for await (const c of generator.generate('The ', { maxTokens: 16, seed: 1 })) text += c.text;
      expect(text.length).toBeGreaterThan(0);
    } finally {
      await kiln.close();
    }
  }, 120_000);
});
