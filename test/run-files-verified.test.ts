/**
 * Damaged files are found before they are used (issue 28 item 9): a run directory's files are checked
 * against the hashes state.json records for them (flipped bytes that keep every value finite included),
 * weights with NaN or ±Inf are refused on load, and a non-finite optimizer state names its file
 * instead of surfacing later as "the loss is not finite; lower the learning rate".
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger, type KilnPlugin, type StageName, type UserConfig } from '@kiln/core';
import { byteLevel, shards, textFiles } from '@kiln/data';
import { perplexity } from '@kiln/eval';
import gpt2 from '@kiln/gpt2';
import { readSafetensors, writeSafetensors } from '@kiln/tensor';
import trainer from '@kiln/trainer';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const TEXT = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8').slice(
  0,
  20_000,
);

function config(o: { steps?: number; evalModel?: string; extra?: KilnPlugin[] } = {}): UserConfig {
  return {
    name: 'verified',
    seed: 4,
    backend: 'js',
    plugins: [
      textFiles({ include: 'corpus.txt', split: 'paragraph' }),
      byteLevel(),
      shards({ valFraction: 0.1 }),
      gpt2(),
      trainer(),
      perplexity({ name: 'held', text: TEXT.slice(0, 400), contextLength: 16 }),
      ...(o.extra ?? []),
    ],
    tokenizer: { type: 'bytes' },
    encode: {},
    model: { architecture: 'gpt2', vocabSize: 257, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
    train: { trainer: 'causal-lm', steps: o.steps ?? 2, batchSize: 2, seqLen: 16, evalEvery: 0, evalBatches: 1 },
    eval: o.evalModel ? { model: o.evalModel } : {},
  };
}

function workDir(): string {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'verified-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);
  return cwd;
}

async function withKiln<T>(
  cwd: string,
  c: UserConfig,
  use: (kiln: Awaited<ReturnType<typeof createKiln>>) => Promise<T>,
) {
  const kiln = await createKiln({ cwd, config: c, logger: createMemoryLogger() });
  try {
    return await use(kiln);
  } finally {
    await kiln.close();
  }
}

const run = (cwd: string, stages: StageName[], c = config()) => withKiln(cwd, c, (kiln) => kiln.run(stages));

/** Rewrites one tensor of a safetensors file through `change`. */
async function editTensor(file: string, pick: (name: string) => boolean, change: (data: Float32Array) => void) {
  const { tensors, metadata } = await readSafetensors(file);
  const name = [...tensors.keys()].find(pick);
  if (!name) throw new Error(`no tensor to edit in ${file}`);
  change(tensors.get(name)!.data as Float32Array);
  await writeSafetensors(file, tensors, metadata);
  return name;
}

test('a model file whose bytes changed after its stage wrote it is refused, in a stage and outside one', async () => {
  const cwd = workDir();
  await run(cwd, ['data', 'tokenizer', 'encode', 'train', 'eval']);
  const runDir = join(cwd, 'runs/verified');
  const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
  const weights = join(runDir, state.stages.train.modelDir, 'model.safetensors');
  const { mtime } = statSync(weights);
  // One bit of one weight's mantissa: every value stays finite, only the hash can tell.
  const bytes = readFileSync(weights);
  bytes[bytes.length - 3] ^= 0x01;
  writeFileSync(weights, bytes);

  const changed = new RegExp(`${weights.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: changed since stage train wrote it`);
  await expect(withKiln(cwd, config(), (kiln) => kiln.run(['eval']))).rejects.toThrow(changed);
  // Even with its mtime put back (as a copy tool may), loading it outside a stage (generate, serve) rehashes it.
  utimesSync(weights, mtime, mtime);
  await expect(withKiln(cwd, config(), (kiln) => kiln.context().hooks.loadModel())).rejects.toThrow(changed);
}, 120_000);

test('weights holding NaN are refused on load, naming the file and the tensor', async () => {
  const cwd = workDir();
  await run(cwd, ['data', 'tokenizer', 'encode', 'train']);
  const runDir = join(cwd, 'runs/verified');
  const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
  // A copy outside the run directory (no record to check it against): only the values can tell.
  const copy = join(cwd, 'copied-model');
  cpSync(join(runDir, state.stages.train.modelDir), copy, { recursive: true });
  const name = await editTensor(
    join(copy, 'model.safetensors'),
    (n) => n.endsWith('mlp.c_fc.weight'),
    (d) => {
      d[5] = Number.NaN;
    },
  );
  await expect(run(cwd, ['eval'], config({ evalModel: 'copied-model' }))).rejects.toThrow(
    `${join(copy, 'model.safetensors')}: tensor '${name}' holds 1 non-finite value`,
  );
}, 120_000);

test('a resume from an optimizer state holding NaN names optimizer.safetensors', async () => {
  const cwd = workDir();
  await run(cwd, ['data', 'tokenizer', 'encode']);
  // Ctrl-C after step 1 of 4: a checkpoint to resume from.
  const controller = new AbortController();
  const stop: KilnPlugin = { name: 'stop-at-1', onStep: (info) => void (info.step === 1 && controller.abort()) };
  const c = config({ steps: 4, extra: [stop] });
  const stopped = await createKiln({ cwd, config: c, logger: createMemoryLogger(), signal: controller.signal });
  try {
    expect((await stopped.run(['train'])).train.aborted).toBe(true);
  } finally {
    await stopped.close();
  }
  const optimizer = join(cwd, 'runs/verified/checkpoints/step-000001/optimizer.safetensors');
  const name = await editTensor(
    optimizer,
    (n) => n.endsWith('.exp_avg_sq'),
    (d) => {
      d[0] = Number.POSITIVE_INFINITY;
    },
  );
  await expect(run(cwd, ['train'], config({ steps: 4 }))).rejects.toThrow(
    `${optimizer}: tensor '${name}' holds 1 non-finite value`,
  );
}, 120_000);
