// SFT (LoRA), DPO and GRPO killed with SIGKILL mid-run, then run again as a user would: the interrupted
// stage resumes from its last checkpoint and matches an uninterrupted run loss for loss.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRunDir, runStage, type TrainingStage, writeStageData } from './stage-helper.js';

const CHILD = fileURLToPath(new URL('./child-stage.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'kiln-align-kill-'));
beforeAll(() => writeStageData(root));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Run a stage in a child process and SIGKILL it (no chance to save) once step `killAt` is logged. */
function runUntilKilled(
  runDir: string,
  stage: TrainingStage,
  section: Record<string, unknown>,
  killAt: number,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=kiln-source',
        '--import',
        'tsx',
        CHILD,
        root,
        runDir,
        stage,
        JSON.stringify(section),
        String(killAt),
      ],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const steps: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const { step } = JSON.parse(buffered.slice(0, nl)) as { step: number };
        buffered = buffered.slice(nl + 1);
        steps.push(step);
        if (step === killAt) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL'
        ? resolve(steps)
        : reject(new Error(`child exited with ${code} before step ${killAt}:\n${stderr}`)),
    );
  });
}

const stepRecords = (runDir: string, stage: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.stage === stage && r.event === 'step');

const CASES: Array<{ name: string; stage: TrainingStage; checkpoints: string; section: Record<string, unknown> }> = [
  {
    name: 'SFT with LoRA',
    stage: 'finetune',
    checkpoints: 'finetune/checkpoints',
    section: {
      trainer: 'sft',
      initFrom: 'base',
      data: { chat: 'sft.jsonl', valFraction: 0.2 },
      steps: 7,
      batchSize: 4,
      seqLen: 32,
      lr: 1e-2,
      lora: { rank: 2 },
      evalEvery: 3,
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
      steps: 7,
      batchSize: 4,
      lr: 1e-3,
      evalEvery: 3,
    },
  },
  {
    name: 'GRPO (sampler RNG and prompt cursor restored)',
    stage: 'align',
    checkpoints: 'align/checkpoints/grpo',
    section: {
      trainer: 'grpo',
      initFrom: 'base',
      data: { prompts: 'prompts.jsonl', eval: 'eval.jsonl', evalCount: 2 },
      steps: 7,
      promptsPerStep: 2,
      groupSize: 3,
      maxNewTokens: 3,
      lr: 1e-3,
      evalEvery: 3,
    },
  },
];

describe('finetune and align: kill -9 mid-run, run again, same losses', () => {
  for (const c of CASES) {
    it(`${c.name}: killed at step 5 (checkpoint at 4), resumed, matches the uninterrupted run`, async () => {
      const section = { ...c.section, checkpointEvery: 2 };
      const tag = c.name.split(' ')[0].toLowerCase();
      const fullDir = join(root, `${tag}-full`);
      const cutDir = join(root, `${tag}-cut`);
      await prepareRunDir(fullDir);
      await prepareRunDir(cutDir);
      const full = await runStage({ root, runDir: fullDir, stage: c.stage, section });
      expect(full.steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(new Set(full.losses).size).toBe(7); // the weights move: a resume that lost them would show

      const seen = await runUntilKilled(cutDir, c.stage, section, 5);
      expect(seen.at(-1)).toBe(5);
      expect(readFileSync(join(cutDir, c.checkpoints, 'latest'), 'utf8').trim()).toBe('step-000004');
      // The same command again: core sees the interrupted stage and the trainer resumes from step 4.
      const resumed = await runStage({ root, runDir: cutDir, stage: c.stage, section });
      expect(resumed.steps).toEqual([5, 6, 7]);
      expect(resumed.losses).toEqual(full.losses.slice(4)); // bit for bit
      expect(resumed.result.metrics).toEqual(full.result.metrics);
      // metrics.jsonl holds each step once: step 5 of the killed run was dropped on resume.
      const logged = stepRecords(cutDir, c.stage);
      expect(logged.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(logged.map((r) => r.loss)).toEqual(full.losses);
    }, 120_000);
  }
});

describe('finetune and align: Ctrl-C writes a checkpoint, the next run resumes from it', () => {
  const CTRL_C: Array<{ name: string; stage: TrainingStage; section: Record<string, unknown> }> = [
    {
      name: 'full SFT',
      stage: 'finetune',
      section: {
        trainer: 'sft',
        initFrom: 'base',
        data: { chat: 'sft.jsonl', valFraction: 0.2 },
        steps: 5,
        batchSize: 4,
        seqLen: 32,
        lr: 1e-2,
      },
    },
    {
      name: 'reward model',
      stage: 'align',
      section: {
        trainer: 'reward-model',
        initFrom: 'base',
        data: { pairs: 'pairs.jsonl' },
        steps: 5,
        batchSize: 4,
        lr: 1e-3,
      },
    },
    {
      name: 'log-likelihood reward model',
      stage: 'align',
      section: {
        trainer: 'reward-model',
        initFrom: 'base',
        data: { pairs: 'pairs.jsonl' },
        steps: 5,
        batchSize: 4,
        lr: 1e-3,
        pooling: 'log-likelihood',
        name: 'rm-ll',
      },
    },
    {
      // Stopped after step 3, the first of batch 2's two updates: the checkpoint carries the batch.
      name: 'GRPO with two updates per batch',
      stage: 'align',
      section: {
        trainer: 'grpo',
        initFrom: 'base',
        data: { prompts: 'prompts.jsonl' },
        steps: 5,
        promptsPerStep: 2,
        groupSize: 3,
        maxNewTokens: 3,
        lr: 1e-2,
        updatesPerBatch: 2,
        name: 'grpo-mu2',
      },
    },
  ];
  for (const c of CTRL_C) {
    it(`${c.name}: abort after step 3, run again: steps 4-5 as in an uninterrupted run`, async () => {
      const tag = c.name.replace(/ /g, '-');
      const fullDir = join(root, `${tag}-full`);
      const cutDir = join(root, `${tag}-cut`);
      await prepareRunDir(fullDir);
      await prepareRunDir(cutDir);
      const full = await runStage({ root, runDir: fullDir, stage: c.stage, section: c.section });
      const abort = new AbortController();
      const first = await runStage({
        root,
        runDir: cutDir,
        stage: c.stage,
        section: c.section,
        signal: abort.signal,
        onStep: (step) => void (step === 3 && abort.abort()),
      });
      expect(first.result.aborted).toBe(true);
      expect(first.result.modelDir).toBeUndefined(); // no final model yet
      const resumed = await runStage({ root, runDir: cutDir, stage: c.stage, section: c.section });
      expect(resumed.steps).toEqual([4, 5]);
      expect([...first.losses, ...resumed.losses]).toEqual(full.losses);
      expect(resumed.result.metrics).toEqual(full.result.metrics);
    }, 60_000);
  }
});
