// Data-parallel training over MPI: `mpirun -np 2` ranks of the real train stage (mpi-train.ts), against
// one process with the same global batch, each other, ZeRO-1, a kill -9 of one rank, and bad setups.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeBackend } from '@kiln/backend-native';
import { GPT2 } from '@kiln/gpt2';
import { describe, expect, it, test } from 'vitest';
import { type MpiRun, mpirunMissing, NODE_TS, runMpi } from '../../../test/helpers/mpirun.js';
import { noAdapter } from '../../backend-webgpu/test/gpu.js';
import { runTrain, TINY_MODEL, tempDir, writeText } from './run-helper.js';

const CHILD = fileURLToPath(new URL('./mpi-train.ts', import.meta.url));
const QUICKSTART_TEXT = fileURLToPath(new URL('../../../examples/quickstart/data/heldout-2021.txt', import.meta.url));
/** The quickstart's model (examples/quickstart/llm.config.ts), on the native backend, one thread per rank. */
const QUICKSTART_MODEL = { architecture: 'gpt2', vocabSize: 4096, context: 128, nLayer: 4, nEmbd: 128, nHead: 4 };
/** batchSize is the global batch: 4 rows on each of 2 ranks. */
const TRAIN = {
  steps: 20,
  batchSize: 8,
  seqLen: 64,
  lr: 3e-3,
  warmupSteps: 2,
  evalEvery: 10,
  evalBatches: 2,
  checkpointEvery: 5,
  data: { text: 'text.txt' },
};
const NATIVE = { model: QUICKSTART_MODEL, backend: 'native', backendOptions: { threads: 1 } };
const LAUNCH_MS = 240_000;

interface Trained {
  run: MpiRun;
  losses: number[];
  steps: number[];
  pids: Map<number, number>;
  logs: string[];
}

function parse(run: MpiRun): Trained {
  const out: Trained = { run, losses: [], steps: [], pids: new Map(), logs: [] };
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line);
    if (r.pid !== undefined) out.pids.set(r.rank, r.pid);
    if (r.step !== undefined) {
      out.steps.push(r.step);
      out.losses.push(r.loss);
    }
    if (r.done) out.logs = r.logs;
  }
  return out;
}

/** mpirun -np 2 of the train stage in `runDir`; `onLine` sees rank output as it comes. */
async function train2(
  root: string,
  runDir: string,
  settings: Record<string, unknown>,
  o: { env?: Record<string, string>; onLine?: (line: string) => void } = {},
): Promise<Trained> {
  const command = [...NODE_TS, CHILD, root, runDir, JSON.stringify(settings)];
  return parse(await runMpi(2, command, { timeoutMs: LAUNCH_MS, ...o }));
}

function expectOk(t: Trained): void {
  expect(t.run.code, t.run.stderr).toBe(0);
}

function relativeGap(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
}

const HASH_LINE = /every rank holds the same weights \(sha256 ([0-9a-f]{64})\)/;
function weightsHash(t: Trained): string {
  const line = t.logs.find((l) => HASH_LINE.test(l));
  expect(line, t.logs.join('\n')).toBeDefined();
  return HASH_LINE.exec(line as string)?.[1] as string;
}

/** sha256 of the weights in a checkpoint, parameter by parameter as the trainer hashes them. */
async function checkpointHash(dir: string): Promise<string> {
  const backend = await NativeBackend.create({ threads: 1 });
  const model = await GPT2.load(dir, backend);
  const hash = createHash('sha256');
  for (const p of model.parameters().values())
    hash.update(new Uint8Array(((await p.toArray()) as Float32Array).buffer));
  model.dispose();
  await backend.dispose();
  return hash.digest('hex');
}

describe.skipIf(mpirunMissing !== undefined)('data-parallel training over MPI (mpirun -np 2)', () => {
  const root = tempDir('mpi');
  cpSync(QUICKSTART_TEXT, join(root, 'text.txt'));
  const settings = { ...NATIVE, train: TRAIN };
  let plain: Trained;

  it('2 ranks give the losses of one process with the same global batch (gradAccum 2) within 1e-5, logged once by rank 0; a second 2-rank run gives the same bits', async () => {
    const one = await runTrain({
      root,
      runDir: join(root, 'one'),
      seed: 5,
      ...NATIVE,
      train: { ...TRAIN, batchSize: 4, gradAccum: 2 },
    });
    plain = await train2(root, join(root, 'plain'), settings);
    expectOk(plain);
    expect(plain.steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(relativeGap(plain.losses, one.losses)).toBeLessThan(1e-5);
    // Training did something: the loss fell.
    expect(plain.losses[19]).toBeLessThan(plain.losses[0] - 1);
    // Rank 0 alone writes: metrics.jsonl holds each step once, with the global loss.
    const logged = readFileSync(join(root, 'plain/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.event === 'step');
    expect(logged.map((r) => r.step)).toEqual(plain.steps);
    expect(logged.map((r) => r.loss)).toEqual(plain.losses);
    const again = await train2(root, join(root, 'again'), settings);
    expectOk(again);
    expect(again.losses).toEqual(plain.losses);
    expect(weightsHash(again)).toBe(weightsHash(plain));
  }, 600_000);

  it('every rank ends with byte-identical weights: the hash the ranks compared is that of the final checkpoint', async () => {
    const latest = readFileSync(join(root, 'plain/checkpoints/latest'), 'utf8').trim();
    expect(latest).toBe('step-000020');
    expect(await checkpointHash(join(root, 'plain/checkpoints', latest))).toBe(weightsHash(plain));
  });

  it('ZeRO-1 (AdamW moments sharded, gradients reduce-scattered, weights all-gathered) gives the plain run, bit for bit', async () => {
    const zero = await train2(root, join(root, 'zero'), { ...settings, train: { ...TRAIN, distributed: { zero: 1 } } });
    expectOk(zero);
    expect(zero.losses).toEqual(plain.losses);
    expect(weightsHash(zero)).toBe(weightsHash(plain));
  }, 300_000);

  it('kill -9 of one rank stops the job (non-zero exit, no hang); the same mpirun command then resumes and ends with the same loss', async () => {
    const runDir = join(root, 'killed');
    let killed = false;
    const seen: number[] = [];
    const pids = new Map<number, number>();
    const cut = await train2(root, runDir, settings, {
      env: { KILN_TEST_HOLD_AT: '12' },
      onLine(line) {
        const r = line.startsWith('{') ? JSON.parse(line) : {};
        if (r.step !== undefined) seen.push(r.step);
        if (r.pid !== undefined) pids.set(r.rank, r.pid);
        if (r.step === 12 && !killed) {
          killed = true;
          process.kill(pids.get(1) as number, 'SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(cut.run.code).not.toBe(0); // mpirun noticed the dead rank and ended the other one
    expect(seen.at(-1)).toBe(12);
    expect(readFileSync(join(runDir, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000010');

    // Another number of ranks than the checkpoint's is refused, before any step.
    const copy = join(root, 'killed-copy');
    cpSync(runDir, copy, { recursive: true });
    await expect(
      runTrain({ root, runDir: copy, seed: 5, ...NATIVE, train: { ...TRAIN, resume: true } }),
    ).rejects.toThrow(/was written by a run on 2 rank\(s\), this one has 1: resume it with as many \(mpirun -np 2\)/);

    const resumed = await train2(root, runDir, settings);
    expectOk(resumed);
    expect(resumed.steps[0]).toBe(11);
    expect(resumed.losses).toEqual(plain.losses.slice(10));
    expect(resumed.losses.at(-1)).toBe(plain.losses.at(-1));
  }, 600_000);

  it('bad setups fail before any step with a clear error: ranks that disagree on the config, a global batch that does not split, ranks with other data, no MPI library', async () => {
    const disagree = await train2(root, join(root, 'disagree'), settings, { env: { KILN_TEST_RANK1_LR: '0.01' } });
    expect(disagree.run.code).not.toBe(0);
    expect(disagree.steps).toEqual([]);
    expect(disagree.run.stderr).toMatch(
      /rank 1 of 2 resolved another config than rank 0 .*every rank must run the same config/,
    );

    const odd = await train2(root, join(root, 'odd'), { ...settings, train: { ...TRAIN, batchSize: 7 } });
    expect(odd.run.code).not.toBe(0);
    expect(odd.steps).toEqual([]);
    expect(odd.run.stderr).toMatch(
      /train\.batchSize \(7\) is the global batch, split evenly across the 2 ranks of this launch, so it must be a multiple of 2: use 8/,
    );

    const elsewhere = tempDir('mpi-other-data');
    writeText(elsewhere);
    const otherData = await train2(root, join(root, 'other-data'), settings, {
      env: { KILN_TEST_RANK1_ROOT: elsewhere },
    });
    expect(otherData.run.code).not.toBe(0);
    expect(otherData.steps).toEqual([]);
    expect(otherData.run.stderr).toMatch(/rank 1 reads other data than rank 0 .*give every machine the same shards/);

    const noMpi = await train2(root, join(root, 'no-mpi'), settings, {
      env: { KILN_MPI_LIBRARY: '/nonexistent/libmpi.so.40' },
    });
    expect(noMpi.run.code).not.toBe(0);
    expect(noMpi.steps).toEqual([]);
    expect(noMpi.run.stderr).toMatch(
      /launched as rank [01] of 2 \(OMPI_COMM_WORLD_SIZE=2\), but MPI cannot be used: .*no MPI library could be opened/,
    );
  }, 600_000);

  it('wasm ranks (gradients through a host copy) with ZeRO-1 give one wasm process with gradAccum 2, within 1e-5', async () => {
    const dir = tempDir('mpi-wasm');
    writeText(dir);
    const tiny = { steps: 8, batchSize: 4, seqLen: 16, lr: 3e-3, warmupSteps: 2, evalEvery: 0, evalBatches: 2 };
    const wasm = { model: TINY_MODEL, backend: 'wasm', backendOptions: { threads: 1 } };
    const one = await runTrain({
      root: dir,
      runDir: join(dir, 'one'),
      seed: 5,
      ...wasm,
      train: { ...tiny, batchSize: 2, gradAccum: 2, data: { text: 'text.txt' } },
    });
    const two = await train2(dir, join(dir, 'two'), {
      ...wasm,
      train: { ...tiny, distributed: { zero: 1, bucketMB: 0.001 }, data: { text: 'text.txt' } },
    });
    expectOk(two);
    expect(relativeGap(two.losses, one.losses)).toBeLessThan(1e-5);
    weightsHash(two);
  }, 300_000);

  it.skipIf(noAdapter !== undefined)(
    'webgpu ranks (SwiftShader, tiny shapes; gradients read back to the host) with ZeRO-1 give one webgpu process with gradAccum 2, within 1e-5',
    async () => {
      const dir = tempDir('mpi-webgpu');
      writeText(dir);
      const tiny = { steps: 3, batchSize: 4, seqLen: 16, lr: 3e-3, warmupSteps: 1, evalEvery: 0, evalBatches: 1 };
      const webgpu = { model: TINY_MODEL, backend: 'webgpu' };
      const one = await runTrain({
        root: dir,
        runDir: join(dir, 'one'),
        seed: 5,
        ...webgpu,
        train: { ...tiny, batchSize: 2, gradAccum: 2, data: { text: 'text.txt' } },
      });
      const two = await train2(dir, join(dir, 'two'), {
        ...webgpu,
        train: { ...tiny, distributed: { zero: 1 }, data: { text: 'text.txt' } },
      });
      expectOk(two);
      expect(two.losses).toHaveLength(3);
      expect(relativeGap(two.losses, one.losses)).toBeLessThan(1e-5);
      weightsHash(two);
    },
    300_000,
  );
});

describe('train.distributed options', () => {
  it('are checked before anything runs, with the field named', async () => {
    const root = tempDir('mpi-options');
    writeText(root);
    const bad = { steps: 1, batchSize: 2, seqLen: 16, data: { text: 'text.txt' } };
    await expect(
      runTrain({ root, runDir: join(root, 'a'), train: { ...bad, distributed: { zero: 2 } } }),
    ).rejects.toThrow(/train\.distributed\.zero: must be 0 \(off\) or 1 \(ZeRO stage 1/);
    await expect(
      runTrain({ root, runDir: join(root, 'b'), train: { ...bad, distributed: { bucketMB: 0 } } }),
    ).rejects.toThrow(/train\.distributed\.bucketMB/);
  });
});

// Where mpirun is missing, the skipped test's name says why.
if (mpirunMissing) test.skip(mpirunMissing, () => {});
