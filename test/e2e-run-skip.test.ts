/**
 * `kiln run` skips up-to-date stages and resumes an interrupted one, on a real
 * tiny pipeline: text files → byte-level tokenizer → token shards → a tiny GPT-2.
 * - the second run does no work (every stage skipped, no file rewritten);
 * - a changed train section reruns train only; a changed data file reruns data,
 *   and the stages after it only if data's output changed;
 * - a run stopped mid-train (Ctrl-C, or a crash) is rerun without redoing the
 *   finished stages, and training continues from its last checkpoint.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger, type KilnPlugin, type UserConfig } from '@kiln/core';
import { byteLevel, shards, textFiles } from '@kiln/data';
import gpt2 from '@kiln/gpt2';
import trainer from '@kiln/trainer';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
// 271 KB of public-domain State of the Union addresses (1790-1809); the first 40 KB is plenty here.
const TEXT = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8').slice(
  0,
  40_000,
);

function workDir(): string {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'run-skip-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'corpus.txt'), TEXT);
  return dir;
}

function config(extra: KilnPlugin[] = []): UserConfig {
  return {
    name: 'skip',
    seed: 7,
    backend: 'js',
    plugins: [
      textFiles({ include: 'corpus.txt', split: 'paragraph' }),
      byteLevel(),
      shards({ valFraction: 0.1 }),
      gpt2(),
      trainer(),
      ...extra,
    ],
    stages: ['data', 'tokenizer', 'encode', 'train'],
    tokenizer: { type: 'bytes' },
    encode: {},
    model: { architecture: 'gpt2', vocabSize: 257, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
    train: {
      trainer: 'causal-lm',
      steps: 6,
      batchSize: 2,
      seqLen: 16,
      evalEvery: 0,
      evalBatches: 1,
      checkpointEvery: 2,
    },
  };
}

async function run(cwd: string, options: { overrides?: string[]; extra?: KilnPlugin[]; signal?: AbortSignal } = {}) {
  const logger = createMemoryLogger();
  const kiln = await createKiln({
    cwd,
    config: config(options.extra),
    overrides: options.overrides,
    logger,
    signal: options.signal,
  });
  try {
    const results = await kiln.run();
    return { results, logger, runDir: kiln.config.runDir };
  } finally {
    await kiln.close();
  }
}

const skipped = (logger: ReturnType<typeof createMemoryLogger>) =>
  logger.records
    .filter((r) => /: up to date, skipped/.test(r.message))
    .map((r) => r.message.split(':')[0].replace('stage ', ''));
const trainSteps = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event?: string; step?: number })
    .filter((m) => m.event === 'step')
    .map((m) => m.step);

test('the second run does no work; a changed section or input reruns only what depends on it', async () => {
  const dir = workDir();
  const first = await run(dir);
  expect(skipped(first.logger)).toEqual([]);
  expect(first.results.train.metrics?.step).toBe(6);
  const state = readFileSync(join(first.runDir, 'state.json'), 'utf8');
  const shardsMtime = statSync(join(first.runDir, 'shards/manifest.json')).mtimeMs;

  const second = await run(dir);
  expect(skipped(second.logger)).toEqual(['data', 'tokenizer', 'encode', 'train']);
  expect(readFileSync(join(first.runDir, 'state.json'), 'utf8')).toBe(state);
  expect(statSync(join(first.runDir, 'shards/manifest.json')).mtimeMs).toBe(shardsMtime);
  expect(trainSteps(first.runDir)).toHaveLength(6);
  // The summary still has every stage's numbers.
  expect(second.results.train.metrics?.step).toBe(6);

  // Only the train section changed: train reruns, the data pipeline does not.
  const longer = await run(dir, { overrides: ['train.steps=8'] });
  expect(skipped(longer.logger)).toEqual(['data', 'tokenizer', 'encode']);
  expect(longer.results.train.metrics?.step).toBe(8);

  // The corpus changed: data reruns, and so does everything downstream of its new output.
  writeFileSync(join(dir, 'corpus.txt'), `${TEXT}\n\nA new paragraph of text that was not there before.`);
  const edited = await run(dir, { overrides: ['train.steps=8'] });
  expect(skipped(edited.logger)).toEqual([]);

  // An output deleted by hand is noticed: encode reruns. Its new shards are byte for byte
  // the old ones, so train, whose inputs are the outputs before it, is still up to date.
  rmSync(join(first.runDir, 'shards'), { recursive: true });
  const repaired = await run(dir, { overrides: ['train.steps=8'] });
  expect(skipped(repaired.logger)).toEqual(['data', 'tokenizer', 'train']);
}, 120_000);

test('a run stopped mid-train resumes from its checkpoint without redoing finished stages', async () => {
  const dir = workDir();
  // Ctrl-C after step 3: the trainer checkpoints and returns; the stage is not recorded as finished.
  const controller = new AbortController();
  const stopAt3: KilnPlugin = { name: 'stop-at-3', onStep: (info) => void (info.step === 3 && controller.abort()) };
  await run(dir, { extra: [stopAt3], signal: controller.signal }).catch((e: Error) =>
    expect(e.message).toMatch(/abort|interrupt|stop/i),
  );
  const runDir = join(dir, 'runs/skip');
  const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as {
    stages: Record<string, unknown>;
    running?: { stage: string };
  };
  expect(Object.keys(state.stages).sort()).toEqual(['data', 'encode', 'tokenizer']);
  expect(state.running?.stage).toBe('train');

  const resumed = await run(dir);
  expect(skipped(resumed.logger)).toEqual(['data', 'tokenizer', 'encode']);
  expect(resumed.logger.records.some((r) => /resuming/.test(r.message))).toBe(true);
  expect(resumed.results.train.metrics?.step).toBe(6);
  // Steps 1-3, then 4-6 after the resume: no step trained twice.
  expect(trainSteps(runDir)).toEqual([1, 2, 3, 4, 5, 6]);

  // A crash (an exception at step 5 of a longer run): the rerun continues from the step-4 checkpoint.
  const crash: KilnPlugin = {
    name: 'crash-at-5',
    onStep: (info) => {
      if (info.step === 5) throw new Error('simulated crash');
    },
  };
  const crashDir = workDir();
  await expect(run(crashDir, { extra: [crash] })).rejects.toThrow(/simulated crash/);
  const after = await run(crashDir);
  expect(skipped(after.logger)).toEqual(['data', 'tokenizer', 'encode']);
  // Steps 1-4 (step 5 may be logged before the crash), then 5-6 again from the step-4 checkpoint.
  const steps = trainSteps(join(crashDir, 'runs/skip'));
  expect(steps.slice(0, 4)).toEqual([1, 2, 3, 4]);
  expect(steps.slice(-2)).toEqual([5, 6]);
  expect(steps.length).toBeLessThanOrEqual(7);
  expect(after.results.train.metrics?.step).toBe(6);
}, 120_000);
