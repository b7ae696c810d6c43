// BERT with Kiln's WordPiece tokenizer, as `kiln prepare` then `kiln train` run it: text →
// WordPiece (trained here, [MASK] among its special tokens) → token shards → masked-LM training.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bert from '@kiln/bert';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import { shards, textFiles } from '@kiln/data';
import tokenizers from '@kiln/tokenizers';
import { mlm } from '@kiln/trainer';
import { describe, expect, it } from 'vitest';

const SOTU = new URL('../../../examples/state-of-the-union/data/sotu-1790-1809.txt', import.meta.url);

describe('BERT with the WordPiece tokenizer', () => {
  it('prepare (WordPiece + shards) then mlm training: the mask token comes from the tokenizer; validation loss falls', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-bert-wordpiece-'));
    writeFileSync(join(root, 'text.txt'), readFileSync(SOTU, 'utf8').slice(0, 80_000));
    const evals: number[] = [];
    const recorder: KilnPlugin = { name: 'test:recorder', onEval: (e) => void evals.push(e.metrics['val/loss']) };
    const logger = createMemoryLogger();
    const kiln = await createKiln({
      cwd: root,
      runDir: join(root, 'run'),
      command: 'run',
      logger,
      config: {
        name: 'bert-wordpiece-test',
        seed: 9,
        backend: 'js',
        plugins: [
          textFiles({ include: 'text.txt', split: 'paragraph' }),
          tokenizers(),
          shards({ valFraction: 0.1 }),
          bert(),
          mlm(),
          recorder,
        ],
        tokenizer: { type: 'wordpiece', vocabSize: 400 },
        model: {
          architecture: 'bert',
          vocabSize: 400,
          context: 32,
          nLayer: 1,
          nEmbd: 32,
          nHead: 4,
          intermediateSize: 64,
        },
        train: {
          trainer: 'mlm',
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
    await kiln.run(['data', 'tokenizer', 'encode', 'train']);
    const tokenizer = await kiln.context().hooks.loadTokenizer();
    await kiln.close();
    const masking = logger.records.find((r) => r.message.endsWith('masked-LM data')) as
      | { data?: Record<string, unknown> }
      | undefined;
    expect(tokenizer.specialTokens['[MASK]']).toBeDefined();
    expect(masking?.data?.maskTokenId).toBe(tokenizer.specialTokens['[MASK]']);
    console.info(
      `[bert mlm, WordPiece ${tokenizer.vocabSize}] validation loss at steps 20/40/60: ${evals.map((v) => v.toFixed(3)).join(' / ')}`,
    );
    expect(evals.length).toBe(3);
    expect(evals[2]).toBeLessThan(evals[0]);
    // Below uniform guessing (ln 400 = 5.99): the model has at least learned which pieces are frequent.
    expect(evals[2]).toBeLessThan(Math.log(400) - 0.4);
  }, 90_000);
});
