// `kiln train` (the train stage through the real core) on real English text: the validation loss falls.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import llama, { Llama } from '@kiln/llama';
import { ReferenceBackend } from '@kiln/tensor';
import trainer from '@kiln/trainer';
import { describe, expect, it } from 'vitest';

const SOTU = new URL('../../../examples/state-of-the-union/data/sotu-1790-1809.txt', import.meta.url);

describe('kiln train with the llama architecture', () => {
  it('trains a tiny Llama on State of the Union text, byte-level: validation loss falls; the checkpoint reloads', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-llama-train-'));
    writeFileSync(join(root, 'text.txt'), readFileSync(SOTU, 'utf8').slice(0, 60_000));
    const evals: number[] = [];
    const recorder: KilnPlugin = { name: 'test:recorder', onEval: (e) => void evals.push(e.metrics['val/loss']) };
    const logger = createMemoryLogger();
    const kiln = await createKiln({
      cwd: root,
      runDir: join(root, 'run'),
      command: 'train',
      logger,
      config: {
        name: 'llama-train-test',
        seed: 3,
        backend: 'js',
        plugins: [llama(), trainer(), recorder],
        model: {
          architecture: 'llama',
          vocabSize: 256,
          context: 32,
          nLayer: 1,
          nEmbd: 32,
          nHead: 4,
          nKvHead: 2,
          intermediateSize: 64,
          tieWordEmbeddings: true,
        },
        train: {
          trainer: 'causal-lm',
          data: { text: 'text.txt', valFraction: 0.1 },
          steps: 60,
          batchSize: 8,
          seqLen: 32,
          lr: 1e-2,
          warmupSteps: 5,
          evalEvery: 20,
          evalBatches: 4,
        },
      },
    });
    const result = (await kiln.run(['train'])).train;
    await kiln.close();
    console.info(`[llama, bytes] validation loss at steps 20/40/60: ${evals.map((v) => v.toFixed(3)).join(' / ')}`);
    expect(evals.length).toBe(3);
    // Uniform over 256 bytes is ln 256 = 5.55; a model that learned the text's letters is far below.
    expect(evals[0]).toBeLessThan(Math.log(256));
    expect(evals[2]).toBeLessThan(evals[0]);
    expect(evals[2]).toBeLessThan(3.2);
    const model = await Llama.load(join(root, 'run', result.modelDir!), new ReferenceBackend());
    expect(model.config.nKvHead).toBe(2);
    model.dispose();
  }, 60_000);
});
