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
 *   KILN_BENCH_ROUNDS=N     alternating wasm/PyTorch rounds (default 3)
 */
import { availableParallelism } from 'node:os';
import { ReferenceBackend } from '@kiln/tensor';
import { WasmBackend } from '../src/index.js';
import { type StepTiming, type TrainShape, timeTraining, trainingTimer } from './gpt2-step.js';
import { blasImplementation, probe, type TorchTiming, torchTrain } from './native.js';
import { loadNote, printTable, writeResults } from './report.js';

const THREADS = Number(process.env.KILN_BENCH_THREADS ?? availableParallelism());
const WITH_REFERENCE = process.env.KILN_BENCH_REFERENCE !== '0';
const ROUNDS = Math.max(1, Number(process.env.KILN_BENCH_ROUNDS ?? 3));
const SHAPES: Array<TrainShape & { steps: number }> = [
  { label: 'GPT-2 4L/256, T128 B8', nLayer: 4, nEmbd: 256, nHead: 4, vocab: 8192, T: 128, B: 8, steps: 5 },
  { label: 'GPT-2 124M, T64 B4', nLayer: 12, nEmbd: 768, nHead: 12, vocab: 50257, T: 64, B: 4, steps: 2 },
].filter(
  (_, i) =>
    (({ small: [0], '124m': [1] }) as Record<string, number[]>)[process.env.KILN_BENCH_SHAPES ?? '']?.includes(i) ??
    true,
);

const note = loadNote();
const torch = probe('torch');
// Rows are printed as each shape finishes (the 124M shape takes minutes), then again as one table.
console.log(`GPT-2 training step (forward + backward + clip + AdamW); PyTorch BLAS: ${blasImplementation()}; ${note}`);
const rows: Array<Array<string | number>> = [];
const results: Array<Record<string, unknown>> = [];
for (const s of SHAPES) {
  const wasmBackend = await WasmBackend.create({ threads: THREADS });
  const timer = await trainingTimer(wasmBackend, s, 1);
  const wasmRounds: StepTiming[] = [];
  const torchRounds: Array<TorchTiming | string> = [];
  for (let r = 0; r < ROUNDS; r++) {
    wasmRounds.push(await timer.time(s.steps));
    if (torch.ok) torchRounds.push(torchTrain(THREADS, s, s.steps));
  }
  timer.dispose();
  await wasmBackend.dispose();
  const wasm = medianBy(wasmRounds, (r) => r.msPerStep);
  const torchOk = torchRounds.filter((r): r is TorchTiming => typeof r !== 'string');
  const pt: TorchTiming | string = !torch.ok
    ? torch.detail
    : torchOk.length
      ? medianBy(torchOk, (r) => r.ms_per_step)
      : String(torchRounds[0]);
  const roundRatios =
    torchOk.length === wasmRounds.length ? wasmRounds.map((w, i) => torchOk[i].ms_per_step / w.msPerStep) : [];
  let ref: StepTiming | string = 'skipped (KILN_BENCH_REFERENCE=0)';
  if (WITH_REFERENCE) ref = await timeTraining(new ReferenceBackend(), s, 0, 1);
  const row = (name: string, r: StepTiming | { ms_per_step: number; tokens_per_s: number } | string) => {
    if (typeof r === 'string') return [s.label, name, r, '', ''];
    const ms = 'msPerStep' in r ? r.msPerStep : r.ms_per_step;
    const tps = 'tokensPerS' in r ? r.tokensPerS : r.tokens_per_s;
    return [s.label, name, ms, tps, typeof pt === 'string' ? '' : `${(tps / pt.tokens_per_s).toFixed(2)}×`];
  };
  const shapeRows = [
    row(`wasm (${THREADS}T)`, wasm),
    row(`PyTorch ${torch.ok ? torch.detail : ''} CPU (${THREADS}T)`, pt),
    row('reference (1T)', ref),
  ];
  printTable(['shape', 'backend', 'ms/step', 'tokens/s', 'vs PyTorch'], shapeRows);
  if (roundRatios.length)
    console.log(
      `wasm/PyTorch speed per round (${s.steps} steps each): ${roundRatios.map((x) => x.toFixed(2)).join(', ')}; medians of ${ROUNDS} rounds above`,
    );
  rows.push(...shapeRows);
  results.push({
    shape: s,
    threads: THREADS,
    rounds: ROUNDS,
    wasm,
    pytorch: pt,
    reference: ref,
    wasmRounds,
    torchRounds,
    roundRatios,
  });
}
console.log('\nall shapes:');
printTable(['shape', 'backend', 'ms/step', 'tokens/s', 'vs PyTorch'], rows);
const file = writeResults('backend-wasm-train', { date: new Date().toISOString(), note, results });
console.log(`wrote ${file}`);

function medianBy<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((a, b) => key(a) - key(b))[(xs.length - 1) >> 1];
}
