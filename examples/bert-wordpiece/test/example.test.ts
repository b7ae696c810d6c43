// The example as the README runs it (same config file, same core), shortened: prepare with a
// small WordPiece vocabulary, then 30 masked-LM steps on the plain JS backend.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { describe, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));

describe('example: bert-wordpiece', () => {
  it('kiln prepare (WordPiece) + kiln train with the mlm trainer (shortened)', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'kiln-bert-wordpiece-'));
    const kiln = await createKiln({
      cwd: EXAMPLE,
      command: 'run',
      runDir,
      logger: createMemoryLogger(),
      overrides: [
        'backend=js',
        'tokenizer.vocabSize=500',
        'model.vocabSize=500',
        'model.nLayer=1',
        'model.nEmbd=32',
        'model.intermediateSize=64',
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
      expect(train.metrics!['val/loss']).toBeLessThan(Math.log(500));
      expect(train.modelDir).toBe('checkpoints/step-000030');
    } finally {
      await kiln.close();
    }
  }, 120_000);
});
