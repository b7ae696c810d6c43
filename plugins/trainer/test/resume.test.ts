import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrain, tempDir, writeText } from './run-helper.js';

const TRAIN = {
  steps: 8,
  batchSize: 2,
  seqLen: 16,
  gradAccum: 2,
  lr: 3e-3,
  warmupSteps: 2,
  evalEvery: 4,
  evalBatches: 2,
  data: { text: 'text.txt', valFraction: 0.2 },
};

describe('causal-lm: checkpoints, exact resume, determinism', () => {
  it('a run killed at step 3 and resumed gives the same losses, step for step, as an uninterrupted run', async () => {
    const root = tempDir('resume');
    writeText(root);
    const full = await runTrain({ root, runDir: join(root, 'full'), train: TRAIN });
    expect(full.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const first = await runTrain({ root, runDir: join(root, 'cut'), train: TRAIN, stopAfter: 3 });
    expect(first.result.aborted).toBe(true);
    expect(first.steps).toEqual([1, 2, 3]);
    expect(readFileSync(join(root, 'cut/checkpoints/latest'), 'utf8').trim()).toBe('step-000003');
    for (const f of ['model.safetensors', 'config.json', 'optimizer.safetensors', 'trainer-state.json']) {
      expect(existsSync(join(root, 'cut/checkpoints/step-000003', f)), f).toBe(true);
    }
    const state = JSON.parse(readFileSync(join(root, 'cut/checkpoints/step-000003/trainer-state.json'), 'utf8'));
    expect(state).toMatchObject({ format: 'kiln-trainer-state', version: 1, step: 3, architecture: 'gpt2' });
    expect(state.rng).toHaveLength(5);
    expect(state.data.kind).toBe('memory-token-batches');

    // A new Kiln, a new backend, a new model: only the run directory carries over.
    const second = await runTrain({ root, runDir: join(root, 'cut'), train: { ...TRAIN, resume: true } });
    expect(second.steps).toEqual([4, 5, 6, 7, 8]);
    expect([...first.losses, ...second.losses]).toEqual(full.losses); // bit for bit
    expect(second.result.metrics?.['val/loss']).toBe(full.result.metrics?.['val/loss']);
    expect(second.result.modelDir).toBe('checkpoints/step-000008');
  });

  it('an abort from outside the step loop (a Ctrl-C handler) stops training at the next step', async () => {
    const root = tempDir('timer');
    writeText(root);
    // The handler runs only when the event loop turns: the loop must yield to it every step.
    const r = await runTrain({ root, runDir: join(root, 'r'), train: TRAIN, stopAfter: 2, stopVia: 'timer' });
    expect(r.result.aborted).toBe(true);
    expect(r.steps.length).toBeLessThan(4);
    expect(readFileSync(join(root, 'r/checkpoints/latest'), 'utf8').trim()).toBe(`step-00000${r.steps.length}`);
  });

  it('the same seed gives the same run; another seed another', async () => {
    const root = tempDir('seed');
    writeText(root);
    const train = { ...TRAIN, steps: 3 };
    const a = await runTrain({ root, runDir: join(root, 'a'), train, seed: 5 });
    const b = await runTrain({ root, runDir: join(root, 'b'), train, seed: 5 });
    const c = await runTrain({ root, runDir: join(root, 'c'), train, seed: 6 });
    expect(b.losses).toEqual(a.losses);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('continued pretraining starts from a checkpoint with a fresh optimizer at step 0', async () => {
    const root = tempDir('init-from');
    writeText(root);
    const base = await runTrain({ root, runDir: join(root, 'base'), train: { ...TRAIN, steps: 10, lr: 1e-2 } });
    const fresh = await runTrain({ root, runDir: join(root, 'fresh'), train: { ...TRAIN, steps: 2, warmupSteps: 0 } });
    const cont = await runTrain({
      root,
      runDir: join(root, 'cont'),
      train: { ...TRAIN, steps: 2, warmupSteps: 0, initFrom: join('base', base.result.modelDir as string) },
    });
    expect(cont.steps).toEqual([1, 2]);
    // Same data stream, same seed: only the starting weights differ, and the trained ones do better.
    expect(cont.losses[0]).toBeLessThan(fresh.losses[0] - 0.3);
  });

  it('bad options name the field', async () => {
    const root = tempDir('bad');
    writeText(root);
    await expect(runTrain({ root, runDir: join(root, 'r'), train: { ...TRAIN, stpes: 3 } })).rejects.toThrow(/stpes/);
    await expect(
      runTrain({ root, runDir: join(root, 'r'), train: { ...TRAIN, data: { text: 'missing.txt' } } }),
    ).rejects.toThrow(/train\.data\.text.*missing\.txt/);
    await expect(runTrain({ root, runDir: join(root, 'r'), train: { ...TRAIN, warmupSteps: 20 } })).rejects.toThrow(
      /train\.warmupSteps/,
    );
  });
});
