/**
 * Data-parallel training over MPI (Open MPI's mpirun, 2 ranks on this machine):
 *   1. all-reduce GB/s at 1, 10, 100 and 500 MB (GPT-2 124M's f32 gradients are 498 MB)
 *      over shared memory (Open MPI's default here) and TCP loopback (--mca btl self,tcp);
 *   2. the small GPT-2 shape's training step: 1 rank × 2 threads vs 2 ranks × 1 thread,
 *      rounds alternating, medians and the ratio;
 *   3. GPT-2 124M on 2 ranks × 1 thread: peak RSS per rank with and without ZeRO-1;
 *   4. a projection, with its arithmetic, of GPT-2 124M and 355M step time and scaling
 *      efficiency on 8 and 64 machines on 25 Gb/s Ethernet.
 *
 *   npm run bench -- distributed
 *   KILN_BENCH_ROUNDS=N   alternating rounds of the step comparison (default 3)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mpirunArgs, mpirunMissing, NODE_TS, REPO } from '../../../test/helpers/mpirun.js';
import { fmt, loadNote, printTable, writeResults } from '../../backend-wasm/bench/report.js';

if (mpirunMissing) {
  console.log(mpirunMissing);
  process.exit(0);
}
const ROUNDS = Math.max(1, Number(process.env.KILN_BENCH_ROUNDS ?? 3));
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

/** A TypeScript file (with `binary`: a program) under mpirun with `np` ranks, or alone when np is 0: its JSON lines. */
function launch(
  np: number,
  args: string[],
  o: { tcp?: boolean; binary?: boolean } = {},
): Promise<Array<Record<string, unknown>>> {
  const program = o.binary ? args : [...NODE_TS, ...args];
  const [cmd, ...rest] = np > 0 ? ['mpirun', ...mpirunArgs(np, o), ...program] : program;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} ${rest.join(' ')} exited ${code}:\n${err.slice(-2000)}`));
      resolve(
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l)),
      );
    });
  });
}

const mpirunVersion = await new Promise<string>((resolve) => {
  const p = spawn('mpirun', ['--version']);
  let s = '';
  p.stdout.on('data', (d) => (s += d));
  p.on('exit', () => resolve(s.split('\n')[0].trim()));
});
console.log(
  `Data-parallel training over MPI; ${cpus()[0]?.model?.trim()}, ${cpus().length} cores; ${mpirunVersion}; ${loadNote()}`,
);
const results: Record<string, unknown> = { date: new Date().toISOString(), cpu: cpus()[0]?.model, mpirunVersion };

// ---- 1. all-reduce bandwidth ---------------------------------------------------------
const SIZES = [
  { mb: 1, reps: 20 },
  { mb: 10, reps: 10 },
  { mb: 100, reps: 5 },
  { mb: 500, reps: 3 },
];
const transports = [
  { name: 'shared memory', tcp: false },
  { name: 'TCP loopback', tcp: true },
];
// The same all-reduce from C (mpicc, from libopenmpi-dev), where it builds: what Open MPI gives without Node.
const cProgram = join(mkdtempSync(join(tmpdir(), 'kiln-bench-mpi-')), 'allreduce');
const built = spawnSync('mpicc', ['-O2', '-o', cProgram, here('./allreduce.c')], { encoding: 'utf8' });
type Timed = Array<{ mb: number; seconds: number[] }>;
const allreduce: Record<string, { kiln: Timed; c?: Timed }> = {};
for (const t of transports) {
  const kiln = (await launch(2, [here('./allreduce-child.ts'), JSON.stringify(SIZES)], t)) as Timed;
  const spec = SIZES.map((x) => `${x.mb}:${x.reps}`).join(',');
  const c = built.status === 0 ? ((await launch(2, [cProgram, spec], { ...t, binary: true })) as Timed) : undefined;
  allreduce[t.name] = { kiln, c };
}
const notBuilt = (built.stderr || built.error?.message || 'mpicc missing').trim().split('\n')[0];
console.log(
  `\n1. all-reduce, 2 ranks, f32 sum in place; GB/s = bytes / median time of the slowest rank (for 2 ranks the bus bandwidth, 2(n-1)/n × that, is the same). Kiln: Node + the native addon (mpiCollective); C: the same MPI calls from a C program${built.status === 0 ? '' : ` (not built: ${notBuilt})`}`,
);
const seconds = (timed: Timed | undefined, mb: number) => median(timed?.find((r) => r.mb === mb)?.seconds ?? [NaN]);
printTable(
  ['size', ...transports.flatMap((t) => [`${t.name}: Kiln ms`, 'Kiln GB/s', 'C GB/s'])],
  SIZES.map(({ mb }) => [
    `${mb} MB`,
    ...transports.flatMap((t) => {
      const k = seconds(allreduce[t.name].kiln, mb);
      return [k * 1000, (mb * 1e6) / k / 1e9, (mb * 1e6) / seconds(allreduce[t.name].c, mb) / 1e9];
    }),
  ]),
);
results.allreduce = allreduce;

// ---- 2. the small GPT-2 step: 1 rank × 2 threads vs 2 ranks × 1 thread -------------------
const SMALL = { nLayer: 4, nEmbd: 256, nHead: 4, vocab: 8192, T: 128, B: 8, warm: 2, steps: 5, zero: 0 };
const oneRank: number[] = [];
const twoRanks: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const a = await launch(0, [here('./step-child.ts'), JSON.stringify({ ...SMALL, threads: 2 })]);
  oneRank.push(median(a[0].ms as number[]));
  const b = await launch(2, [here('./step-child.ts'), JSON.stringify({ ...SMALL, threads: 1 })]);
  twoRanks.push(median(b.map((x) => median(x.ms as number[]))));
}
const tokens = SMALL.B * SMALL.T;
console.log(
  `\n2. training step, small GPT-2 (4 layers, width 256, vocab 8192, T 128, global batch 8 rows = ${tokens} tokens), native, median of ${SMALL.steps} steps per round, ${ROUNDS} alternating rounds`,
);
printTable(
  ['layout', 'ms/step (median of rounds)', 'rounds', 'tokens/s'],
  [
    ['1 rank × 2 threads', median(oneRank), oneRank.map(fmt).join(', '), (tokens * 1000) / median(oneRank)],
    ['2 ranks × 1 thread', median(twoRanks), twoRanks.map(fmt).join(', '), (tokens * 1000) / median(twoRanks)],
  ],
);
const ratios = oneRank.map((x, i) => x / twoRanks[i]);
console.log(
  `2 ranks × 1 thread vs 1 rank × 2 threads: ${fmt(median(ratios))}× the speed (rounds ${ratios.map(fmt).join(', ')})`,
);
results.smallStep = { shape: SMALL, oneRankTwoThreadsMs: oneRank, twoRanksOneThreadMs: twoRanks };

// ---- 3. GPT-2 124M: peak RSS per rank, with and without ZeRO-1 --------------------------
const G124 = { nLayer: 12, nEmbd: 768, nHead: 12, vocab: 50257, T: 64, B: 2, threads: 1, warm: 1, steps: 2 };
const rss: Record<string, Array<{ rank: number; peakRssMB: number; ms: number[] }>> = {};
for (const zero of [0, 1])
  rss[zero ? 'ZeRO-1' : 'plain'] = (await launch(2, [
    here('./step-child.ts'),
    JSON.stringify({ ...G124, zero }),
  ])) as Array<{
    rank: number;
    peakRssMB: number;
    ms: number[];
  }>;
console.log('\n3. GPT-2 124M (T 64, global batch 2: one row per rank), 2 ranks × 1 thread, native: peak RSS per rank');
printTable(
  ['optimizer', 'rank 0 peak RSS MB', 'rank 1 peak RSS MB', 'ms/step (rank 0)'],
  Object.entries(rss).map(([k, ranks]) => {
    const by = (r: number) => ranks.find((x) => x.rank === r) as { peakRssMB: number; ms: number[] };
    return [k, by(0).peakRssMB, by(1).peakRssMB, median(by(0).ms)];
  }),
);
const PARAMS_124M = 50257 * 768 + 1024 * 768 + 12 * (12 * 768 * 768 + 13 * 768) + 2 * 768;
const saved = median(rss.plain.map((x) => x.peakRssMB)) - median(rss['ZeRO-1'].map((x) => x.peakRssMB));
console.log(
  `ZeRO-1 holds half the AdamW moments on each of 2 ranks: expected saving 2 moments × ${PARAMS_124M.toLocaleString('en')} params × 4 B / 2 = ${fmt((PARAMS_124M * 4) / 1e6)} MB per rank; measured ${fmt(saved)} MB (median of ranks)`,
);
results.rss124m = rss;

// ---- 4. projection: 8 and 64 machines on 25 Gb/s Ethernet --------------------------------
// Compute rate of one machine like this one: a 124M step at GPT-2's context, 1 process × every core.
const COMPUTE = { ...G124, T: 1024, B: 1, threads: cpus().length, warm: 1, steps: 2, zero: 0 };
const c124 = await launch(0, [here('./step-child.ts'), JSON.stringify(COMPUTE)]);
const msPer1024 = median(c124[0].ms as number[]);
const rate124 = 1024 / (msPer1024 / 1000); // tokens/s
const perToken = (params: number, L: number, d: number) => 6 * params + 6 * L * 1024 * d; // training FLOPs per token at T 1024
const PARAMS_355M = 50257 * 1024 + 1024 * 1024 + 24 * (12 * 1024 * 1024 + 13 * 1024) + 2 * 1024;
const models = [
  { name: 'GPT-2 124M', params: PARAMS_124M, flops: perToken(PARAMS_124M, 12, 768) },
  { name: 'GPT-2 355M', params: PARAMS_355M, flops: perToken(PARAMS_355M, 24, 1024) },
];
const GLOBAL = 524288; // tokens per optimizer step (GPT-2 / llm.c: 512 rows × 1024)
const LINK = 25e9 / 8; // bytes/s on the wire
const EFF = 0.8; // assumed share of the line rate an MPI ring over TCP reaches (not measured here)
const HOP = 50e-6; // assumed seconds per ring step (switch + TCP stack)
console.log(
  `\n4. projection (arithmetic, not a measurement of a cluster). Measured here: a GPT-2 124M step of 1024 tokens (T 1024, batch 1) on ${cpus().length} threads took ${fmt(msPer1024)} ms → R(124M) = ${fmt(rate124)} tokens/s per machine like this one.`,
);
console.log(
  `   R(355M) = R(124M) × FLOPs/token(124M) / FLOPs/token(355M), FLOPs/token = 6·params + 6·layers·1024·width = ${(models[0].flops / 1e6).toFixed(0)}M / ${(models[1].flops / 1e6).toFixed(0)}M → ${fmt((rate124 * models[0].flops) / models[1].flops)} tokens/s.`,
);
console.log(
  `   Global batch ${GLOBAL} tokens per step, split over N machines (gradient accumulation inside each). Gradients S = 4 B × params. Ring all-reduce (or ZeRO-1's reduce-scatter + all-gather: the same bytes): each machine sends 2(N-1)/N × S, in 2(N-1) steps;`,
);
console.log(
  `   link 25 Gb/s = ${LINK / 1e9} GB/s, assumed ${EFF * 100}% of it reached and ${HOP * 1e6} µs per ring step: A(N) = 2(N-1)/N × S / (${EFF} × ${LINK / 1e9} GB/s) + 2(N-1) × ${HOP * 1e6} µs.`,
);
console.log(
  '   Kiln reduces after the backward (no overlap): step T(N) = C(N) + A(N), C(N) = (global / N) / R; efficiency E(N) = C(N) / T(N) = T(1) / (N × T(N)).',
);
const rows: Array<Array<string | number>> = [];
const projection: Array<Record<string, unknown>> = [];
// Per-machine 124M rates: the one measured here, and faster machines (inputs, not measurements: a many-core
// CPU server, a GPU rank); 355M's follow by the FLOPs ratio.
const RATES = [
  { label: 'this machine (measured)', r124: rate124 },
  { label: 'hypothetical', r124: 2000 },
  { label: 'hypothetical', r124: 100000 },
];
for (const m of models) {
  const S = 4 * m.params;
  for (const { label, r124 } of RATES) {
    const rate = (r124 * models[0].flops) / m.flops;
    for (const N of [8, 64]) {
      const C = GLOBAL / N / rate;
      const A = ((2 * (N - 1)) / N) * (S / (EFF * LINK)) + 2 * (N - 1) * HOP;
      const T = C + A;
      const E = C / T;
      rows.push([m.name, label, rate, String(N), `${fmt(S / 1e6)} MB`, C, A, T, `${fmt(100 * E)}%`, GLOBAL / N / A]);
      projection.push({
        model: m.name,
        rate,
        machines: N,
        gradientBytes: S,
        computeS: C,
        allreduceS: A,
        stepS: T,
        efficiency: E,
      });
    }
  }
}
printTable(
  ['model', 'machine', 'R tok/s', 'N', 'gradients S', 'C(N) s', 'A(N) s', 'T(N) s', 'E(N)', 'R* tok/s (A = C)'],
  rows,
);
console.log(
  '   R* is the compute rate per machine at which communication takes as long as compute (E = 50%): a machine (or GPU rank) faster than R* spends most of each step on the network, so it needs more tokens per step, overlap, or a faster link.',
);
results.projection = {
  measuredMsPer1024Tokens124M: msPer1024,
  rate124,
  assumptions: { GLOBAL, LINK, EFF, HOP },
  projection,
};
results.loadAtEnd = loadavg()[0];
console.log(`\n${loadNote().replace('at start', 'at end')}`);
console.log(`written: ${writeResults('trainer-distributed', results)}`);
