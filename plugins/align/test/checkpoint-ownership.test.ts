// A stage resumes only its own checkpoints (issue 28 items 4 and 5). An earlier run with other settings
// leaves checkpoints; a new run that crashes before writing one of its own must not "resume" the old
// run's when run again, and metrics.jsonl keeps no line of the crashed run when the stage starts over.
// The time-based checkpoints (checkpointMinutes) are what a crash resumes from when checkpointEvery is 0.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRunDir, runStage, type TrainingStage, writeStageData } from './stage-helper.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-ckpt-owner-'));
beforeAll(() => writeStageData(root));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const records = (runDir: string, stage: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.stage === stage);

const crashAt = (step: number) => (s: number) => {
  if (s === step) throw new Error(`simulated crash at step ${step}`);
};

const CASES: Array<{ name: string; stage: TrainingStage; checkpoints: string; section: Record<string, unknown> }> = [
  {
    name: 'SFT',
    stage: 'finetune',
    checkpoints: 'finetune/checkpoints',
    section: {
      trainer: 'sft',
      initFrom: 'base',
      data: { chat: 'sft.jsonl', valFraction: 0.2 },
      steps: 6,
      batchSize: 4,
      seqLen: 32,
      lr: 1e-2,
    },
  },
  {
    name: 'DPO',
    stage: 'align',
    checkpoints: 'align/checkpoints/dpo',
    section: {
      trainer: 'dpo',
      initFrom: 'base',
      data: { pairs: 'pairs.jsonl' },
      steps: 6,
      batchSize: 4,
      lr: 1e-3,
    },
  },
];

describe.each(CASES)('$name: checkpoints belong to the stage run that wrote them', (c) => {
  it("a new run killed before its first checkpoint starts over when run again, not from the old run's", async () => {
    const runDir = join(root, `${c.name}-mixed`);
    const cleanDir = join(root, `${c.name}-clean`);
    await prepareRunDir(runDir);
    await prepareRunDir(cleanDir);
    const lr = (c.section.lr as number) / 2;
    const newSection = { ...c.section, lr, checkpointMinutes: 0 };
    const uninterrupted = await runStage({ root, runDir: cleanDir, stage: c.stage, section: newSection });

    // The old run (another lr) finishes, leaving checkpoints at steps 2 and 4.
    await runStage({ root, runDir, stage: c.stage, section: { ...c.section, checkpointEvery: 2 } });
    expect(readFileSync(join(runDir, c.checkpoints, 'latest'), 'utf8').trim()).toBe('step-000004');
    // The new run crashes at step 3, before any checkpoint of its own.
    await expect(runStage({ root, runDir, stage: c.stage, section: newSection, onStep: crashAt(3) })).rejects.toThrow(
      /simulated crash/,
    );
    // It started from step 0, so the old run's checkpoints are gone: nothing names them as latest.
    expect(existsSync(join(runDir, c.checkpoints, 'step-000004'))).toBe(false);
    expect(existsSync(join(runDir, c.checkpoints, 'latest'))).toBe(false);

    // Run again as a user would: core resumes the interrupted stage, which has nothing of its own to resume.
    const again = await runStage({ root, runDir, stage: c.stage, section: newSection });
    expect(again.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(again.losses).toEqual(uninterrupted.losses);
    expect(again.result.metrics).toEqual(uninterrupted.result.metrics);

    // metrics.jsonl: the old run's records (it finished) and this run's, none of the crashed run's.
    const logged = records(runDir, c.stage);
    const steps = logged.filter((r) => r.event === 'step');
    expect(steps.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(steps.slice(6).map((r) => r.loss)).toEqual(uninterrupted.losses);
    expect(logged.filter((r) => r.event === 'eval' && r.step === 0)).toHaveLength(2);
  }, 120_000);

  it('with checkpointEvery 0, a crash resumes from the last time-based checkpoint (one kept)', async () => {
    const runDir = join(root, `${c.name}-timed`);
    const fullDir = join(root, `${c.name}-timed-full`);
    await prepareRunDir(runDir);
    await prepareRunDir(fullDir);
    // A clock interval shorter than a step: every step is due, and each new checkpoint replaces the last.
    const section = { ...c.section, checkpointEvery: 0, checkpointMinutes: 1e-9 };
    const full = await runStage({ root, runDir: fullDir, stage: c.stage, section });
    await expect(runStage({ root, runDir, stage: c.stage, section, onStep: crashAt(4) })).rejects.toThrow(
      /simulated crash/,
    );
    const kept = readdirSync(join(runDir, c.checkpoints)).filter((n) => n.startsWith('step-'));
    expect(kept).toEqual(['step-000003']);
    const resumed = await runStage({ root, runDir, stage: c.stage, section });
    expect(resumed.steps).toEqual([4, 5, 6]);
    expect(resumed.losses).toEqual(full.losses.slice(3));
    const steps = records(runDir, c.stage).filter((r) => r.event === 'step');
    expect(steps.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
  }, 120_000);
});
