/**
 * GPT-2 training throughput: tokens/s and ms/step for this backend, the
 * reference backend and PyTorch CPU, on the same shapes with the same thread
 * count (default: every core). A step is forward, backward, clipping at 1.0
 * and AdamW, as a trainer runs it.
 *
 *   npm run bench -- backend-wasm/train
 *   KILN_BENCH_REFERENCE=0  skip the (slow) reference backend
 *   KILN_BENCH_THREADS=N    thread count for wasm and PyTorch
 *   KILN_BENCH_SHAPES=small|124m  one shape only (124M takes minutes per backend)
 */
import { availableParallelism } from 'node:os';
import { ReferenceBackend } from '@kiln/tensor';
import { WasmBackend } from '../src/index.js';
import { timeTraining, type StepTiming, type TrainShape } from './gpt2-step.js';
import { blasImplementation, probe, torchTrain } from './native.js';
import { loadNote, printTable, writeResults } from './report.js';

const THREADS = Number(process.env.KILN_BENCH_THREADS ?? availableParallelism());
const WITH_REFERENCE = process.env.KILN_BENCH_REFERENCE !== '0';
const SHAPES: Array<TrainShape & { steps: number }> = [
  { label: 'GPT-2 4L/256, T128 B8', nLayer: 4, nEmbd: 256, nHead: 4, vocab: 8192, T: 128, B: 8, steps: 5 },
  { label: 'GPT-2 124M, T64 B4', nLayer: 12, nEmbd: 768, nHead: 12, vocab: 50257, T: 64, B: 4, steps: 2 },
].filter((_, i) => ({ small: [0], '124m': [1] } as Record<string, number[]>)[process.env.KILN_BENCH_SHAPES ?? '']?.includes(i) ?? true);

const note = loadNote();
const torch = probe('torch');
// Rows are printed as each shape finishes (the 124M shape takes minutes), then again as one table.
console.log(`GPT-2 training step (forward + backward + clip + AdamW); PyTorch BLAS: ${blasImplementation()}; ${note}`);
const rows: Array<Array<string | number>> = [];
const results: Array<Record<string, unknown>> = [];
for (const s of SHAPES) {
  const wasmBackend = await WasmBackend.create({ threads: THREADS });
  const wasm = await timeTraining(wasmBackend, s, 1, s.steps);
  await wasmBackend.dispose();
  const pt = torch.ok ? torchTrain(THREADS, s, s.steps) : torch.detail;
  let ref: StepTiming | string = 'skipped (KILN_BENCH_REFERENCE=0)';
  if (WITH_REFERENCE) ref = await timeTraining(new ReferenceBackend(), s, 0, 1);
  const row = (name: string, r: StepTiming | { ms_per_step: number; tokens_per_s: number } | string) => {
    if (typeof r === 'string') return [s.label, name, r, '', ''];
    const ms = 'msPerStep' in r ? r.msPerStep : r.ms_per_step;
    const tps = 'tokensPerS' in r ? r.tokensPerS : r.tokens_per_s;
    return [s.label, name, ms, tps, typeof pt === 'string' ? '' : `${(tps / pt.tokens_per_s).toFixed(2)}×`];
  };
  const shapeRows = [row(`wasm (${THREADS}T)`, wasm), row(`PyTorch ${torch.ok ? torch.detail : ''} CPU (${THREADS}T)`, pt), row('reference (1T)', ref)];
  printTable(['shape', 'backend', 'ms/step', 'tokens/s', 'vs PyTorch'], shapeRows);
  rows.push(...shapeRows);
  results.push({ shape: s, threads: THREADS, wasm, pytorch: pt, reference: ref });
}
console.log('\nall shapes:');
printTable(['shape', 'backend', 'ms/step', 'tokens/s', 'vs PyTorch'], rows);
const file = writeResults('backend-wasm-train', { date: new Date().toISOString(), note, results });
console.log(`wrote ${file}`);
