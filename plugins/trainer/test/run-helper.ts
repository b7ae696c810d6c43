// Runs the train stage through the real core (config, hooks, run dir), as `kiln train` does.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger, type KilnPlugin, type StageResult, type UserConfig } from '@kiln/core';
import gpt2 from '@kiln/gpt2';
import trainer from '../src/index.js';

/** A small real text (repeated English sentences with variation), written into dir. */
export function writeText(dir: string): string {
  const words = 'the quick brown fox jumps over a lazy dog while seven wizards quietly brew hot soup'.split(' ');
  let text = '';
  let x = 7;
  for (let i = 0; i < 600; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    text += words[x % words.length] + (i % 11 === 10 ? '.\n' : ' ');
  }
  const file = join(dir, 'text.txt');
  writeFileSync(file, text);
  return file;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `kiln-trainer-${label}-`));
}

export const TINY_MODEL = { architecture: 'gpt2', vocabSize: 256, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 };

export interface RunOutcome {
  result: StageResult;
  losses: number[];
  steps: number[];
  logs: { level: string; message: string }[];
}

/** One `train` stage run; `stopAfter` aborts once that step has been emitted (a simulated Ctrl-C/kill). */
export async function runTrain(o: {
  root: string;
  runDir: string;
  train: Record<string, unknown>;
  seed?: number;
  stopAfter?: number;
  /** 'timer': abort from a macrotask, as a Ctrl-C handler does (default: synchronously inside onStep). */
  stopVia?: 'sync' | 'timer';
  model?: Record<string, unknown>;
  /** Default 'js' (the reference backend); other backends' tests run the same stage. */
  backend?: string;
  backendOptions?: Record<string, unknown>;
  onStep?: (step: number, loss: number) => void | Promise<void>;
}): Promise<RunOutcome> {
  const losses: number[] = [];
  const steps: number[] = [];
  const abort = new AbortController();
  const recorder: KilnPlugin = {
    name: 'test:recorder',
    async onStep(info) {
      losses.push(info.loss);
      steps.push(info.step);
      await o.onStep?.(info.step, info.loss);
      if (o.stopAfter !== undefined && info.step === o.stopAfter) {
        if (o.stopVia === 'timer') setTimeout(() => abort.abort(), 0);
        else abort.abort();
      }
    },
  };
  const config: UserConfig = {
    name: 'trainer-test',
    seed: o.seed ?? 1,
    backend: o.backend ?? 'js',
    ...(o.backendOptions && { backendOptions: o.backendOptions }),
    plugins: [gpt2(), trainer(), recorder],
    model: o.model ?? TINY_MODEL,
    train: { trainer: 'causal-lm', ...o.train },
  };
  const logger = createMemoryLogger();
  const kiln = await createKiln({
    cwd: o.root,
    config,
    runDir: o.runDir,
    command: 'train',
    signal: abort.signal,
    logger,
  });
  try {
    const results = await kiln.run(['train']);
    return { result: results.train, losses, steps, logs: logger.records };
  } finally {
    await kiln.close();
  }
}

const CHILD = fileURLToPath(new URL('./child-train.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs training in a child process and SIGKILLs it (no chance to save) once
 * step `killAt` is printed; resolves with the steps it saw.
 */
export function trainUntilKilled(
  root: string,
  runDir: string,
  train: Record<string, unknown>,
  killAt: number,
  backend = 'js',
  backendOptions: Record<string, unknown> = {},
  model: Record<string, unknown> = TINY_MODEL,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const argv = [
      CHILD,
      root,
      runDir,
      JSON.stringify(train),
      backend,
      JSON.stringify(backendOptions),
      JSON.stringify(model),
    ];
    const child = spawn(process.execPath, ['--conditions=kiln-source', '--import', 'tsx', ...argv], {
      cwd: REPO,
      // The child waits at this step for the SIGKILL, so a loaded machine cannot let it run past it.
      env: { ...process.env, KILN_TEST_HOLD_AT: String(killAt) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const steps: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const { step } = JSON.parse(line) as { step: number };
        steps.push(step);
        if (step === killAt) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(steps);
      else reject(new Error(`child exited with ${code} before step ${killAt}:\n${stderr}`));
    });
  });
}
