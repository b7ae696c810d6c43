import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrain, tempDir, trainUntilKilled, writeText } from './run-helper.js';

const TRAIN = {
  steps: 6,
  batchSize: 2,
  seqLen: 16,
  lr: 3e-3,
  warmupSteps: 1,
  evalEvery: 0,
  evalBatches: 1,
  data: { text: 'text.txt', valFraction: 0.2 },
};

const checkpointsIn = (runDir: string) =>
  readdirSync(join(runDir, 'checkpoints'))
    .filter((n) => n.startsWith('step-'))
    .sort();

describe('causal-lm resumes only the checkpoints its own stage run wrote', () => {
  it("a new run killed (-9) before its first checkpoint starts over when run again, not from the old run's", async () => {
    const root = tempDir('owner');
    writeText(root);
    const runDir = join(root, 'r');
    const newTrain = { ...TRAIN, lr: 1e-3, checkpointMinutes: 0 };
    const uninterrupted = await runTrain({ root, runDir: join(root, 'clean'), train: newTrain });

    await runTrain({ root, runDir, train: { ...TRAIN, checkpointEvery: 2 } }); // the old run: step-2, -4, -6
    expect(checkpointsIn(runDir)).toEqual(['step-000002', 'step-000004', 'step-000006']);
    expect(await trainUntilKilled(root, runDir, newTrain, 3)).toEqual([1, 2, 3]);
    // It started from step 0: the old run's checkpoints went, so none can pass for its own.
    expect(checkpointsIn(runDir)).toEqual([]);

    const again = await runTrain({ root, runDir, train: newTrain });
    expect(again.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(again.losses).toEqual(uninterrupted.losses);
    const state = JSON.parse(readFileSync(join(runDir, 'checkpoints/step-000006/trainer-state.json'), 'utf8'));
    expect(state.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  }, 120_000);

  it('an old checkpoint in place (no fingerprint) is not resumed by core, and is removed', async () => {
    const root = tempDir('owner-old');
    writeText(root);
    const runDir = join(root, 'r');
    await runTrain({ root, runDir, train: { ...TRAIN, steps: 4 }, stopAfter: 2 });
    // As a checkpoint written before fingerprints existed: the same config, but nothing says whose it is.
    const file = join(runDir, 'checkpoints/step-000002/trainer-state.json');
    const { fingerprint: _, ...old } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify(old));
    const again = await runTrain({ root, runDir, train: { ...TRAIN, steps: 4 } });
    expect(again.steps).toEqual([1, 2, 3, 4]);
    expect(again.logs.some((l) => /written by another run of this stage/.test(l.message))).toBe(true);
    expect(checkpointsIn(runDir)).toEqual(['step-000004']);
  }, 120_000);

  it('train.resume set in the config continues a checkpoint of other settings (more steps), with warnings', async () => {
    const root = tempDir('owner-asked');
    writeText(root);
    const runDir = join(root, 'r');
    await runTrain({ root, runDir, train: { ...TRAIN, steps: 4 } });
    const longer = await runTrain({ root, runDir, train: { ...TRAIN, steps: 6, resume: true } });
    expect(longer.steps).toEqual([5, 6]);
    const messages = longer.logs.map((l) => l.message);
    expect(messages.some((m) => /written by a run with other settings/.test(m))).toBe(true);
    expect(messages.some((m) => m.endsWith('resuming with a different train.steps'))).toBe(true);
  }, 120_000);

  it('continued pretraining from a checkpoint of the same run directory keeps that checkpoint', async () => {
    const root = tempDir('owner-init');
    writeText(root);
    const runDir = join(root, 'r');
    await runTrain({ root, runDir, train: { ...TRAIN, steps: 4, checkpointEvery: 2 } });
    const cont = await runTrain({
      root,
      runDir,
      train: { ...TRAIN, steps: 3, warmupSteps: 0, initFrom: 'r/checkpoints/step-000004' },
    });
    expect(cont.steps).toEqual([1, 2, 3]);
    // The other run's step-2 went; the weights this run started from stay beside its own final model.
    expect(checkpointsIn(runDir)).toEqual(['step-000003', 'step-000004']);
    expect(existsSync(join(runDir, 'checkpoints/step-000004/model.safetensors'))).toBe(true);
  }, 120_000);
});
