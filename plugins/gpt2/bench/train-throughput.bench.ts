// Training throughput of GPT-2 on the reference backend (the baseline the fast
// backends are measured against): n_layer 4, n_embd 256, n_head 4, vocab 8192,
// T 128, B 8. One untimed warm-up step, then timed steps of forward + backward
// + clip + AdamW, each ending with the loss read back.
// Run: npm run bench -- gpt2   (KILN_BENCH_STEPS=n to change the timed steps)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW, type Backend, backward, clipGradNorm, createRng, ReferenceBackend, tidy } from '@kiln/tensor';
import { GPT2 } from '../src/index.js';

const shape = { vocabSize: 8192, nPositions: 128, nLayer: 4, nEmbd: 256, nHead: 4 };
const B = 8;
const T = 128;
const steps = Number(process.env.KILN_BENCH_STEPS ?? 2);

async function trainStep(model: GPT2, opt: AdamW, ids: Int32Array, targets: Int32Array): Promise<number> {
  return tidy(async () => {
    opt.zeroGrad();
    const { loss } = model.forward(ids, targets, { T });
    backward(loss!);
    const { scale } = await clipGradNorm(model.parameters().values(), 1);
    opt.step({ gradScale: scale });
    return loss!.item();
  });
}

async function bench(name: string, backend: Backend) {
  const rng = createRng(0);
  const model = new GPT2(shape, backend, rng);
  const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1 });
  const ids = Int32Array.from({ length: B * T }, () => rng.int(shape.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(shape.vocabSize));
  await trainStep(model, opt, ids, targets); // warm-up: JIT and the buffer pool
  const times: number[] = [];
  let loss = 0;
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    loss = await trainStep(model, opt, ids, targets);
    times.push((performance.now() - t0) / 1000);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    backend: name,
    device: backend.info.device,
    params: model.numParameters(),
    stepSeconds: mean,
    tokensPerSecond: (B * T) / mean,
    loss,
  };
}

const rows = [await bench('js (reference)', new ReferenceBackend())];
console.log(
  `GPT-2 training step, n_layer ${shape.nLayer} n_embd ${shape.nEmbd} n_head ${shape.nHead} vocab ${shape.vocabSize}, B ${B} T ${T}, ${steps} timed step(s)`,
);
console.table(
  rows.map((r) => ({
    backend: r.backend,
    params: r.params,
    's/step': r.stepSeconds.toFixed(2),
    'tokens/s': r.tokensPerSecond.toFixed(1),
  })),
);
const out = join(process.cwd(), 'bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'gpt2-train-throughput.json'),
  JSON.stringify({ shape: { ...shape, B, T }, steps, results: rows }, null, 2) + '\n',
);
