/**
 * Matmul GFLOP/s per thread: native (this backend), wasm, and numpy over
 * OpenBLAS on the same shapes and storage orders, 1 thread and every core,
 * measured in one run shape by shape (every contender back to back, so load
 * from elsewhere on the machine hits them alike), printed as ratios, next to
 * the FMA peak at the clock measured in the same run.
 *
 *   npm run bench -- backend-native/matmul
 *   KILN_BENCH_THREADS=N   "every core" thread count
 */
import { availableParallelism, cpus } from 'node:os';
import { WasmBackend } from '@kiln/backend-wasm';
import { measureClockGHz } from '../../backend-wasm/bench/clock.js';
import { MATMUL_SHAPES, MATMUL_VARIANTS, timeMatmulShape } from '../../backend-wasm/bench/matmul-shapes.js';
import { blasImplementation, numpySgemm, probe } from '../../backend-wasm/bench/native.js';
import { loadNote, printTable, writeResults } from '../../backend-wasm/bench/report.js';
import { NativeBackend } from '../src/index.js';
import { fmaFlopsPerCycle } from './peak.js';

const ALL = Number(process.env.KILN_BENCH_THREADS ?? availableParallelism());
const note = loadNote();
const clockBefore = measureClockGHz();
const np = probe('numpy');
const native1 = await NativeBackend.create({ threads: 1 });
const nativeAll = await NativeBackend.create({ threads: ALL });
const wasm1 = await WasmBackend.create({ threads: 1 });

const rows: Array<Array<string | number>> = [];
const results: Array<Record<string, unknown>> = [];
for (const s of MATMUL_SHAPES) {
  const n1 = timeMatmulShape(native1, s);
  const nn = timeMatmulShape(nativeAll, s);
  const w1 = timeMatmulShape(wasm1, s);
  const spec = MATMUL_VARIANTS.map((v) => [s.M, s.N, s.K, v] as [number, number, number, string]);
  const b1 = np.ok ? numpySgemm(1, 3, spec) : np.detail;
  const bn = np.ok ? numpySgemm(ALL, 3, spec) : np.detail;
  MATMUL_VARIANTS.forEach((v, k) => {
    const blas1 = typeof b1 === 'string' ? NaN : b1[k];
    const blasN = typeof bn === 'string' ? NaN : bn[k];
    rows.push([
      s.name,
      `${s.M}×${s.N}×${s.K}`,
      v,
      n1[k],
      nn[k],
      nn[k] / n1[k],
      w1[k],
      blas1,
      blasN,
      n1[k] / blas1,
      nn[k] / blasN,
      n1[k] / w1[k],
    ]);
    results.push({
      shape: s.name,
      M: s.M,
      N: s.N,
      K: s.K,
      op: v,
      native1: n1[k],
      nativeAll: nn[k],
      wasm1: w1[k],
      blas1,
      blasAll: blasN,
      threads: ALL,
    });
  });
}
for (const be of [native1, nativeAll, wasm1]) await be.dispose();
const clockGHz = (clockBefore + measureClockGHz()) / 2;
const isa = String(native1.info.isa);
const peak = clockGHz * fmaFlopsPerCycle(isa);

console.log(
  `matmul GFLOP/s, best of runs (native ${isa}; BLAS = numpy ${np.ok ? np.detail : np.detail} over ${blasImplementation()}; ${cpus()[0]?.model}; ${note})`,
);
printTable(
  [
    'shape',
    'M×N×K',
    'op',
    'native 1T',
    `native ${ALL}T`,
    'scaling',
    'wasm 1T',
    'BLAS 1T',
    `BLAS ${ALL}T`,
    'native/BLAS 1T',
    `native/BLAS ${ALL}T`,
    'native/wasm 1T',
  ],
  rows,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const col = (k: string) => results.map((r) => r[k] as number);
const per = median(col('native1'));
const ratio1 = median(results.map((r) => (r.native1 as number) / (r.blas1 as number)));
const ratioN = median(results.map((r) => (r.nativeAll as number) / (r.blasAll as number)));
const scaling = median(results.map((r) => (r.nativeAll as number) / (r.native1 as number)));
console.log(
  `median native per thread ${per.toFixed(1)} GFLOP/s = ${((100 * per) / peak).toFixed(0)}% of the ${isa} FMA peak ${peak.toFixed(0)} ` +
    `(clock ${clockGHz.toFixed(2)} GHz × ${fmaFlopsPerCycle(isa)} flops/cycle; target ≥ 70% stretch); native/BLAS median ${ratio1.toFixed(2)}× on 1 thread ` +
    `(target ≥ 1.0×), ${ratioN.toFixed(2)}× on ${ALL}; scaling on ${ALL} threads ${scaling.toFixed(2)}× (target ≥ 1.9×); ` +
    `native/wasm per thread ${median(results.map((r) => (r.native1 as number) / (r.wasm1 as number))).toFixed(2)}×`,
);
const file = writeResults('backend-native-matmul', {
  date: new Date().toISOString(),
  note,
  cpu: cpus()[0]?.model,
  isa,
  clockGHz,
  fmaPeakPerThread: peak,
  blas: blasImplementation(),
  results,
});
console.log(`wrote ${file}`);
