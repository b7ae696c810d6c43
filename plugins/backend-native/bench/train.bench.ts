/**
 * GPT-2 training throughput on the native backend next to wasm and PyTorch
 * CPU, same shapes, same threads (default every core), rounds alternating
 * native / wasm / PyTorch so load from elsewhere hits them alike, medians
 * printed as ratios. A step is forward, backward, clipping at 1.0 and AdamW.
 * Then GPT-2 medium (355M, context 1024, batch 1) on native in its own
 * process: step time and peak RSS (it cannot run on wasm: over 4 GiB).
 *
 *   npm run bench -- backend-native/train
 *   KILN_BENCH_THREADS=N        threads for every contender
 *   KILN_BENCH_SHAPES=small|124m|medium   one shape only
 *   KILN_BENCH_ROUNDS=N         alternating rounds (default 3)
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WasmBackend } from '@kiln/backend-wasm';
import { type StepTiming, type TrainShape, trainingTimer } from '../../backend-wasm/bench/gpt2-step.js';
import { blasImplementation, probe, type TorchTiming, torchTrain } from '../../backend-wasm/bench/native.js';
import { loadNote, printTable, writeResults } from '../../backend-wasm/bench/report.js';
import { NativeBackend } from '../src/index.js';

const THREADS = Number(process.env.KILN_BENCH_THREADS ?? availableParallelism());
const ROUNDS = Math.max(1, Number(process.env.KILN_BENCH_ROUNDS ?? 3));
const ONLY = process.env.KILN_BENCH_SHAPES;
const SHAPES: Array<TrainShape & { key: string; steps: number }> = [
  {
    key: 'small',
    label: 'GPT-2 4L/256, T128 B8',
    nLayer: 4,
    nEmbd: 256,
    nHead: 4,
    vocab: 8192,
    T: 128,
    B: 8,
    steps: 5,
  },
  { key: '124m', label: 'GPT-2 124M, T64 B4', nLayer: 12, nEmbd: 768, nHead: 12, vocab: 50257, T: 64, B: 4, steps: 2 },
].filter((s) => !ONLY || s.key === ONLY);

const note = loadNote();
const torch = probe('torch');
const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[(xs.length - 1) >> 1];
console.log(
  `GPT-2 training step (forward + backward + clip + AdamW), ${THREADS} threads; ${cpus()[0]?.model}; PyTorch BLAS: ${blasImplementation()}; ${note}`,
);
const headers = ['shape', 'backend', 'ms/step', 'tokens/s', 'native speed-up'];
const rows: Array<Array<string | number>> = [];
const results: Array<Record<string, unknown>> = [];

for (const s of SHAPES) {
  const native = await NativeBackend.create({ threads: THREADS });
  const wasm = await WasmBackend.create({ threads: THREADS });
  const nt = await trainingTimer(native, s, 1);
  const wt = await trainingTimer(wasm, s, 1);
  const rounds: Array<{ native: StepTiming; wasm: StepTiming; torch: TorchTiming | string }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push({
      native: await nt.time(s.steps),
      wasm: await wt.time(s.steps),
      torch: torch.ok ? torchTrain(THREADS, s, s.steps) : torch.detail,
    });
  }
  nt.dispose();
  wt.dispose();
  await native.dispose();
  await wasm.dispose();
  const n = median(
    rounds.map((r) => r.native),
    (x) => x.msPerStep,
  );
  const w = median(
    rounds.map((r) => r.wasm),
    (x) => x.msPerStep,
  );
  const torchOk = rounds.map((r) => r.torch).filter((t): t is TorchTiming => typeof t !== 'string');
  const pt = torchOk.length ? median(torchOk, (x) => x.ms_per_step) : String(rounds[0].torch);
  const vsWasm = rounds.map((r) => r.wasm.msPerStep / r.native.msPerStep);
  const vsTorch = rounds.map((r) => (typeof r.torch === 'string' ? NaN : r.torch.ms_per_step / r.native.msPerStep));
  const x = (xs: number[]) => `${median(xs, (v) => v).toFixed(2)}× (rounds ${xs.map((v) => v.toFixed(2)).join(', ')})`;
  const shapeRows: Array<Array<string | number>> = [
    [s.label, `native (${THREADS}T)`, n.msPerStep, n.tokensPerS, ''],
    [s.label, `wasm (${THREADS}T)`, w.msPerStep, w.tokensPerS, x(vsWasm)],
    typeof pt === 'string'
      ? [s.label, 'PyTorch CPU', pt, '', '']
      : [s.label, `PyTorch ${torch.detail} CPU (${THREADS}T)`, pt.ms_per_step, pt.tokens_per_s, x(vsTorch)],
  ];
  printTable(headers, shapeRows);
  rows.push(...shapeRows);
  results.push({
    shape: s,
    threads: THREADS,
    rounds,
    native: n,
    wasm: w,
    pytorch: pt,
    nativeOverWasm: vsWasm,
    nativeOverTorch: vsTorch,
  });
}

if (!ONLY || ONLY === 'medium') {
  // Its own process: the peak RSS must be the model's, not the earlier shapes'.
  const child = spawnSync(
    process.execPath,
    [
      '--conditions=kiln-source',
      '--import',
      'tsx',
      fileURLToPath(new URL('./medium-step.ts', import.meta.url)),
      String(THREADS),
      '2',
    ],
    { encoding: 'utf8', timeout: 20 * 60_000 },
  );
  const label = 'GPT-2 medium 355M, T1024 B1';
  if (child.status === 0) {
    const m = JSON.parse(child.stdout.trim().split('\n').pop()!) as StepTiming & { peakRssGiB: number };
    const row = [
      label,
      `native (${THREADS}T), peak RSS ${m.peakRssGiB.toFixed(2)} GiB`,
      m.msPerStep,
      m.tokensPerS,
      'wasm: does not fit in 4 GiB',
    ];
    printTable(headers, [row]);
    rows.push(row);
    results.push({ shape: label, threads: THREADS, native: m });
  } else {
    console.log(
      `${label}: failed: ${(child.stderr || child.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}

console.log('\nall shapes:');
printTable(headers, rows);
const file = writeResults('backend-native-train', {
  date: new Date().toISOString(),
  note,
  cpu: cpus()[0]?.model,
  results,
});
console.log(`wrote ${file}`);
