// `kiln train` with `trainer: 'mlm'` (the train stage through the real core) on real English text.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bert, { BertForMaskedLM } from '@kiln/bert';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import { ReferenceBackend } from '@kiln/tensor';
import { mlm } from '@kiln/trainer';
import { describe, expect, it } from 'vitest';

const SOTU = new URL('../../../examples/state-of-the-union/data/sotu-1790-1809.txt', import.meta.url);

describe('kiln train with the bert architecture and the mlm trainer', () => {
  it('masked-LM pretraining on State of the Union text, byte-level: validation loss falls; the checkpoint reloads', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-bert-train-'));
    writeFileSync(join(root, 'text.txt'), readFileSync(SOTU, 'utf8').slice(0, 60_000));
    const evals: number[] = [];
    const recorder: KilnPlugin = { name: 'test:recorder', onEval: (e) => void evals.push(e.metrics['val/loss']) };
    const kiln = await createKiln({
      cwd: root,
      runDir: join(root, 'run'),
      command: 'train',
      logger: createMemoryLogger(),
      config: {
        name: 'bert-train-test',
        seed: 5,
        backend: 'js',
        plugins: [bert(), mlm(), recorder],
        // Bytes 0..255 plus the mask token 256.
        model: {
          architecture: 'bert',
          vocabSize: 257,
          context: 32,
          nLayer: 1,
          nEmbd: 32,
          nHead: 4,
          intermediateSize: 64,
        },
        train: {
          trainer: 'mlm',
          maskTokenId: 256,
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
    console.info(`[bert mlm, bytes] validation loss at steps 20/40/60: ${evals.map((v) => v.toFixed(3)).join(' / ')}`);
    expect(evals.length).toBe(3);
    expect(evals[2]).toBeLessThan(evals[0]);
    // Uniform over the bytes is ln 256 = 5.55; the unigram entropy of English bytes is ~3.
    expect(evals[2]).toBeLessThan(3.2);
    const model = await BertForMaskedLM.load(join(root, 'run', result.modelDir!), new ReferenceBackend());
    expect(model.config.vocabSize).toBe(257);
    model.dispose();
  }, 60_000);
});
