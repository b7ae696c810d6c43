import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrain, tempDir, trainUntilKilled, writeText } from './run-helper.js';

const TRAIN = {
  steps: 12,
  batchSize: 2,
  seqLen: 16,
  lr: 3e-3,
  warmupSteps: 2,
  evalEvery: 0,
  evalBatches: 2,
  checkpointEvery: 3,
  data: { text: 'text.txt' },
};
describe('causal-lm: a killed process resumes exactly', () => {
  it('SIGKILL at step 8 (last checkpoint at 6), then resume: the losses match an uninterrupted run', async () => {
    const root = tempDir('kill');
    writeText(root);
    const full = await runTrain({ root, runDir: join(root, 'full'), train: TRAIN });
    const seen = await trainUntilKilled(root, join(root, 'cut'), TRAIN, 8);
    expect(seen.at(-1)).toBe(8);
    const latest = readFileSync(join(root, 'cut/checkpoints/latest'), 'utf8').trim();
    expect(latest).toBe('step-000006'); // saved right after step 6, before step 7 began
    const from = 6;
    const resumed = await runTrain({ root, runDir: join(root, 'cut'), train: { ...TRAIN, resume: true } });
    expect(resumed.steps[0]).toBe(from + 1);
    expect(resumed.losses).toEqual(full.losses.slice(from));
    // metrics.jsonl holds each step once: the killed run's steps 7 and 8 were dropped on resume.
    const logged = readFileSync(join(root, 'cut/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.event === 'step');
    expect(logged.map((r) => r.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(logged.map((r) => r.loss)).toEqual(full.losses);
  }, 60_000);
});
