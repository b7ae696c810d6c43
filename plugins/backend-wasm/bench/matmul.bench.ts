/**
 * Matmul GFLOP/s at GPT-shaped sizes, wasm on 1 thread and on every core,
 * for the three storage orders (A·B, Aᵀ·B, A·Bᵀ), next to the machine's
 * native sgemm (numpy over OpenBLAS) with the same thread counts.
 * Best of several runs per cell (robust to other load on the machine).
 *
 *   npm run bench -- backend-wasm/matmul
 */
import { availableParallelism } from 'node:os';
import { WasmBackend } from '../src/index.js';
import { measureClockGHz, SIMD128_FLOPS_PER_CYCLE } from './clock.js';
import { MATMUL_SHAPES, MATMUL_VARIANTS, timeMatmulShape } from './matmul-shapes.js';
import { blasImplementation, numpySgemm, probe } from './native.js';
import { loadNote, printTable, writeResults } from './report.js';

const ALL = Number(process.env.KILN_BENCH_THREADS ?? availableParallelism());

const note = loadNote();
const clockBefore = measureClockGHz();
const threadCounts = ALL > 1 ? [1, ALL] : [1];
const np = probe('numpy');
// Shape by shape, every contender back to back, so load from other
// processes on the machine hits them alike.
const backends = new Map<number, WasmBackend>();
for (const t of threadCounts) backends.set(t, await WasmBackend.create({ threads: t }));
const wasm = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
const native = new Map<number, Array<number | string>>(threadCounts.map((t) => [t, []]));
for (const s of MATMUL_SHAPES) {
  for (const t of threadCounts) {
    wasm.get(t)!.push(...timeMatmulShape(backends.get(t)!, s));
    const r = np.ok
      ? numpySgemm(
          t,
          3,
          MATMUL_VARIANTS.map((v) => [s.M, s.N, s.K, v] as [number, number, number, string]),
        )
      : np.detail;
    native.get(t)!.push(...MATMUL_VARIANTS.map((_, k) => (typeof r === 'string' ? r : r[k])));
  }
}
for (const be of backends.values()) await be.dispose();
const clockGHz = (clockBefore + measureClockGHz()) / 2;
const peak = clockGHz * SIMD128_FLOPS_PER_CYCLE;
const nativeAt = (t: number, i: number) => native.get(t)![i];

console.log(
  `matmul GFLOP/s (best of runs; wasm ${ALL} threads = every core; native = numpy ${np.ok ? np.detail : ''} over ${blasImplementation()}; ${note})`,
);
const headers = [
  'shape',
  'M×N×K',
  'op',
  'wasm 1T',
  `wasm ${ALL}T`,
  'scaling',
  'native 1T',
  `native ${ALL}T`,
  'wasm/native 1T',
  `wasm/native ${ALL}T`,
];
const rows: Array<Array<string | number>> = [];
const results: Array<Record<string, unknown>> = [];
let i = 0;
for (const s of MATMUL_SHAPES) {
  for (const v of MATMUL_VARIANTS) {
    const w1 = wasm.get(1)![i];
    const wn = wasm.get(ALL)?.[i] ?? NaN;
    const n1 = nativeAt(1, i);
    const nn = threadCounts.length > 1 ? nativeAt(ALL, i) : n1;
    const ratio = (w: number, n: number | string) => (typeof n === 'number' ? w / n : NaN);
    rows.push([
      s.name,
      `${s.M}×${s.N}×${s.K}`,
      v,
      w1,
      wn,
      wn / w1,
      typeof n1 === 'number' ? n1 : 'not installed',
      typeof nn === 'number' ? nn : 'not installed',
      ratio(w1, n1),
      ratio(wn, nn),
    ]);
    results.push({
      shape: s.name,
      M: s.M,
      N: s.N,
      K: s.K,
      op: v,
      wasm1: w1,
      wasmAll: wn,
      threads: ALL,
      native1: n1,
      nativeAll: nn,
    });
    i++;
  }
}
printTable(headers, rows);
const perThread = results.map((r) => r.wasm1 as number);
const scaling = results.map((r) => (r.wasmAll as number) / (r.wasm1 as number));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `median wasm GFLOP/s per thread: ${median(perThread).toFixed(1)} (target ≥ 42 on an idle machine); median scaling on ${ALL} threads: ${median(scaling).toFixed(2)}× (target ≥ 1.8×)`,
);
console.log(
  `clock ${clockGHz.toFixed(2)} GHz (mean of a probe before and after) → f32x4 mul+add peak ${peak.toFixed(1)} GFLOP/s per thread ` +
    `if the core's FP pipes are ours alone; median wasm per thread = ${((100 * median(perThread)) / peak).toFixed(0)}% of it ` +
    `(wasm/native in the same run is the steadier figure: a busy neighbour on the host slows both)`,
);
if (!np.ok) console.log(`native sgemm: ${np.detail}`);
const file = writeResults('backend-wasm-matmul', {
  date: new Date().toISOString(),
  note,
  clockGHz,
  simd128PeakPerThread: peak,
  threads: ALL,
  blas: blasImplementation(),
  numpy: np.detail,
  results,
});
console.log(`wrote ${file}`);
