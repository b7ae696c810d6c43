// Training on the native backend through the real train stage: a process
// killed with SIGKILL resumes with bit-identical losses, and the same seed
// gives identical losses on 1 and 2 threads (every op forced to split would
// change nothing either, but here the real cost model decides the splits).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrain, tempDir, trainUntilKilled, writeText } from '../../trainer/test/run-helper.js';

// Wide enough that matmuls and norms cross the cost at which ops are split over threads.
const MODEL = { architecture: 'gpt2', vocabSize: 256, context: 64, nLayer: 2, nEmbd: 128, nHead: 4 };
const TRAIN = {
  steps: 10,
  batchSize: 4,
  seqLen: 64,
  lr: 3e-3,
  warmupSteps: 2,
  evalEvery: 0,
  checkpointEvery: 3,
  data: { text: 'text.txt' },
};

describe('native backend: training', () => {
  it('the same seed gives identical losses on 1 and 2 threads', async () => {
    const root = tempDir('native-threads');
    writeText(root);
    const one = await runTrain({
      root,
      runDir: join(root, 't1'),
      train: TRAIN,
      model: MODEL,
      backend: 'native',
      backendOptions: { threads: 1 },
    });
    const two = await runTrain({
      root,
      runDir: join(root, 't2'),
      train: TRAIN,
      model: MODEL,
      backend: 'native',
      backendOptions: { threads: 2 },
    });
    expect(one.losses).toHaveLength(TRAIN.steps);
    expect(one.losses[0]).toBeGreaterThan(one.losses.at(-1)!); // it learns
    expect(two.losses).toEqual(one.losses);
  }, 120_000);

  it('SIGKILL at step 8 (last checkpoint at 6), then resume: the losses match an uninterrupted run', async () => {
    const root = tempDir('native-kill');
    writeText(root);
    const train = TRAIN;
    const full = await runTrain({ root, runDir: join(root, 'full'), train, model: MODEL, backend: 'native' });
    const seen = await trainUntilKilled(root, join(root, 'cut'), train, 8, 'native', {}, MODEL);
    expect(seen.at(-1)).toBe(8);
    expect(readFileSync(join(root, 'cut/checkpoints/latest'), 'utf8').trim()).toBe('step-000006');
    const resumed = await runTrain({
      root,
      runDir: join(root, 'cut'),
      train: { ...train, resume: true },
      model: MODEL,
      backend: 'native',
    });
    expect(resumed.steps[0]).toBe(7);
    expect(resumed.losses).toEqual(full.losses.slice(6));
  }, 120_000);
});
