// Training throughput of the reference backend: GPT-2 with n_layer 4, n_embd 256,
// n_head 4, vocab 8192, T 128, B 8 — the baseline the WASM and WebGPU backends are
// measured against. One untimed warm-up step, then timed steps split into phases
// (forward to the loss read back, backward, clip + AdamW). PyTorch CPU runs the same
// step beside it when Debian's python3-torch is installed (1 thread and all cores).
// Run: npm run bench -- tensor   (KILN_BENCH_STEPS=n: timed steps, default 2)
// Writes bench-results/reference-train.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
// The model lives in its architecture plugin (a workspace package that depends on this one).
import { GPT2 } from '@kiln/gpt2';
import { AdamW, type Backend, backward, clipGradNorm, createRng, ReferenceBackend, tidy } from '../src/index.js';

const SHAPE = { vocabSize: 8192, nPositions: 128, nLayer: 4, nEmbd: 256, nHead: 4 };
const B = 8;
const T = 128;
const STEPS = Number(process.env.KILN_BENCH_STEPS ?? 2);

interface Row {
  backend: string;
  device: string;
  stepSeconds: number;
  tokensPerSecond: number;
  forwardSeconds?: number;
  backwardSeconds?: number;
  optimizerSeconds?: number;
}

async function benchBackend(name: string, be: Backend): Promise<Row & { params: number }> {
  const rng = createRng(0);
  const model = new GPT2(SHAPE, be, rng);
  const params = model.parameters();
  const opt = new AdamW(params, { lr: 3e-4, betas: [0.9, 0.95], weightDecay: 0.1 });
  const ids = Int32Array.from({ length: B * T }, () => rng.int(SHAPE.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(SHAPE.vocabSize));
  const phases = { forward: 0, backward: 0, optimizer: 0 };
  const step = async (timed: boolean) => {
    const t0 = performance.now();
    let t1 = 0;
    opt.zeroGrad();
    // One scope for forward and backward: the backward reads the forward's activations.
    await tidy(async () => {
      const loss = model.forward(ids, targets, { T }).loss!;
      await loss.item(); // forces the forward on asynchronous backends
      t1 = performance.now();
      backward(loss);
      await be.sync();
    });
    const t2 = performance.now();
    const { scale } = await clipGradNorm(params.values(), 1.0);
    opt.step({ gradScale: scale });
    await be.sync();
    const t3 = performance.now();
    if (timed) {
      phases.forward += (t1 - t0) / 1000;
      phases.backward += (t2 - t1) / 1000;
      phases.optimizer += (t3 - t2) / 1000;
    }
  };
  await step(false); // warm-up: JIT tiers and the buffer pool
  for (let s = 0; s < STEPS; s++) await step(true);
  const stepSeconds = (phases.forward + phases.backward + phases.optimizer) / STEPS;
  const row = {
    backend: name,
    device: be.info.device,
    params: model.numParameters(),
    stepSeconds,
    tokensPerSecond: (B * T) / stepSeconds,
    forwardSeconds: phases.forward / STEPS,
    backwardSeconds: phases.backward / STEPS,
    optimizerSeconds: phases.optimizer / STEPS,
  };
  opt.dispose();
  model.dispose();
  await be.dispose();
  return row;
}

function benchTorch(threads: number): Row | string {
  const script = join(import.meta.dirname, 'torch_gpt2_step.py');
  if (!existsSync('/usr/bin/python3')) return 'no /usr/bin/python3';
  const args = JSON.stringify({
    vocab_size: SHAPE.vocabSize,
    n_embd: SHAPE.nEmbd,
    n_layer: SHAPE.nLayer,
    n_head: SHAPE.nHead,
    B,
    T,
    steps: STEPS,
    threads,
  });
  const r = spawnSync('/usr/bin/python3', [script, args], { encoding: 'utf8' });
  if (r.status !== 0) return `PyTorch not run: ${(r.stderr || '').trim().split('\n').pop()}`;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { stepSeconds: number; torch: string };
  return {
    backend: `pytorch ${out.torch}`,
    device: `CPU, ${threads} thread(s)`,
    stepSeconds: out.stepSeconds,
    tokensPerSecond: (B * T) / out.stepSeconds,
  };
}

const ref = await benchBackend('js (reference)', new ReferenceBackend());
const rows: Row[] = [ref];
const notes: string[] = [];
for (const threads of [...new Set([1, availableParallelism()])]) {
  const t = benchTorch(threads);
  if (typeof t === 'string') notes.push(t);
  else rows.push(t);
}
const fmt = (x: number | undefined) => (x === undefined ? '' : x.toFixed(3));
console.log(
  `GPT-2 training step: n_layer ${SHAPE.nLayer}, n_embd ${SHAPE.nEmbd}, n_head ${SHAPE.nHead}, vocab ${SHAPE.vocabSize}, B ${B}, T ${T} (${ref.params} parameters), ${STEPS} timed step(s)`,
);
console.table(
  rows.map((r) => ({
    backend: r.backend,
    device: r.device,
    'tokens/s': r.tokensPerSecond.toFixed(1),
    'ms/step': (r.stepSeconds * 1000).toFixed(0),
    'fwd s': fmt(r.forwardSeconds),
    'bwd s': fmt(r.backwardSeconds),
    'opt s': fmt(r.optimizerSeconds),
    'vs reference': (r.tokensPerSecond / ref.tokensPerSecond).toFixed(2) + '×',
  })),
);
for (const n of notes) console.log(n);
const dir = join(process.cwd(), 'bench-results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'reference-train.json'),
  JSON.stringify(
    {
      name: 'reference-train',
      date: new Date().toISOString(),
      shape: { ...SHAPE, B, T },
      steps: STEPS,
      params: ref.params,
      reference: ref,
      results: rows,
      notes,
    },
    null,
    2,
  ) + '\n',
);
