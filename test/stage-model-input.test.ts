/**
 * Which model a stage starts from when its section names none: the model of the last training
 * stage before it, never a later stage's output. `kiln compress --force` on a finished run
 * quantizes the trained model again (not its own int8 output), and export writes the trained
 * model, not the compressed one.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantize } from '@kiln/compress';
import { createKiln, createMemoryLogger, type StageName, type UserConfig } from '@kiln/core';
import { byteLevel, shards, textFiles } from '@kiln/data';
import { huggingface } from '@kiln/export';
import gpt2 from '@kiln/gpt2';
import trainer from '@kiln/trainer';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const TEXT = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8').slice(
  0,
  20_000,
);

function config(): UserConfig {
  return {
    name: 'model-input',
    seed: 3,
    backend: 'js',
    plugins: [
      textFiles({ include: 'corpus.txt', split: 'paragraph' }),
      byteLevel(),
      shards({ valFraction: 0.1 }),
      gpt2(),
      trainer(),
      quantize({ bits: 8, group: 16 }),
      huggingface(),
    ],
    tokenizer: { type: 'bytes' },
    encode: {},
    model: { architecture: 'gpt2', vocabSize: 257, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
    train: { trainer: 'causal-lm', steps: 2, batchSize: 2, seqLen: 16, evalEvery: 0, evalBatches: 1 },
    compress: {},
    export: {},
  };
}

async function run(cwd: string, stages?: StageName[], force = false) {
  const kiln = await createKiln({ cwd, config: config(), logger: createMemoryLogger(), force });
  try {
    return { results: await kiln.run(stages), runDir: kiln.config.runDir };
  } finally {
    await kiln.close();
  }
}

test('compress --force and export start from the trained model, not from compress/model', async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'model-input-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);

  const first = await run(cwd);
  expect(first.results.compress.modelDir).toBe('compress/model');
  const state = () => JSON.parse(readFileSync(join(first.runDir, 'state.json'), 'utf8'));
  const trainModel = state().stages.train.modelDir as string;
  // The exported model is the trained one (f32), not the int8 model compress wrote before it.
  const exported = JSON.parse(readFileSync(join(first.runDir, 'export/huggingface/config.json'), 'utf8'));
  expect(exported.quantization_config).toBeUndefined();

  // `kiln compress --force` on the finished run: quantizes the trained model again.
  const again = await run(cwd, ['compress'], true);
  expect(again.results.compress.modelDir).toBe('compress/model');
  expect(state().stages.compress?.modelDir).toBe('compress/model');
  expect(state().stages.train.modelDir).toBe(trainModel);

  // `kiln export --force` after it still writes the trained model.
  await run(cwd, ['export'], true);
  const reexported = JSON.parse(readFileSync(join(first.runDir, 'export/huggingface/config.json'), 'utf8'));
  expect(reexported.quantization_config).toBeUndefined();
}, 120_000);
