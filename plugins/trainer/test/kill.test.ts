import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTrain, tempDir, writeText } from './run-helper.js';

const TRAIN = { steps: 12, batchSize: 2, seqLen: 16, lr: 3e-3, warmupSteps: 2, evalEvery: 0, evalBatches: 2, checkpointEvery: 3, data: { text: 'text.txt' } };
const CHILD = fileURLToPath(new URL('./child-train.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Run training in a child process and SIGKILL it (no chance to save) once `killAt` is printed. */
function trainUntilKilled(root: string, runDir: string, killAt: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=kiln-source', '--import', 'tsx', CHILD, root, runDir, JSON.stringify(TRAIN)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const steps: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
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

describe('causal-lm: a killed process resumes exactly', () => {
  it('SIGKILL at step 8 (last checkpoint at 6), then resume: the losses match an uninterrupted run', async () => {
    const root = tempDir('kill');
    writeText(root);
    const full = await runTrain({ root, runDir: join(root, 'full'), train: TRAIN });
    const seen = await trainUntilKilled(root, join(root, 'cut'), 8);
    expect(seen.at(-1)).toBe(8);
    const latest = readFileSync(join(root, 'cut/checkpoints/latest'), 'utf8').trim();
    expect(latest).toBe('step-000006'); // saved right after step 6, before step 7 began
    const from = 6;
    const resumed = await runTrain({ root, runDir: join(root, 'cut'), train: { ...TRAIN, resume: true } });
    expect(resumed.steps[0]).toBe(from + 1);
    expect(resumed.losses).toEqual(full.losses.slice(from));
  }, 60_000);
});
