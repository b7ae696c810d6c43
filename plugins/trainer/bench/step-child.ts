// One process (or one rank under mpirun) of distributed.bench.ts: GPT-2 training steps as the trainer runs
// them (trainStep: forward, backward, gradient all-reduce or ZeRO-1 reduce-scatter, clip, AdamW), on the
// native backend, on synthetic tokens. argv: JSON { nLayer, nEmbd, nHead, vocab, T, B (global rows), threads,
// warm, steps, zero }. Prints one JSON line per rank: step times, peak RSS.
import { mpiCollective, NativeBackend } from '@kiln/backend-native';
import type { TokenBatches } from '@kiln/core';
import { GPT2 } from '@kiln/gpt2';
import { createRng, singleProcess } from '@kiln/tensor';
import { replicasFor, rowsPerRank, trainStep } from '../src/index.js';

const s = JSON.parse(process.argv[2]) as {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  vocab: number;
  T: number;
  B: number;
  threads: number;
  warm: number;
  steps: number;
  zero: 0 | 1;
};
const c = process.env.OMPI_COMM_WORLD_SIZE ? mpiCollective() : singleProcess();
const backend = await NativeBackend.create({ threads: s.threads });
// The same seed on every rank: identical initial weights (the trainer broadcasts rank 0's instead).
const model = new GPT2(
  { vocabSize: s.vocab, nPositions: Math.max(s.T, 64), nLayer: s.nLayer, nEmbd: s.nEmbd, nHead: s.nHead },
  backend,
  createRng(1),
);
const named = model.parameters();
const replicas = replicasFor(c, named, backend, { lr: 3e-4, weightDecay: 0.1 }, { zero: s.zero });
const rng = createRng(7);
const data: TokenBatches = {
  next(B, T) {
    const inputs = Int32Array.from({ length: B * T }, () => rng.int(s.vocab));
    const targets = Int32Array.from({ length: B * T }, () => rng.int(s.vocab));
    return { inputs, targets };
  },
  state: () => rng.state(),
  restore: (x) => rng.restore(x as number[]),
};
const shape = { B: rowsPerRank(s.B, c.size, 'B'), T: s.T, gradAccum: 1 };
const step = () =>
  trainStep(model, [...named.values()], replicas.optimizer, data, shape, { lr: 3e-4, gradClip: 1 }, replicas);
for (let i = 0; i < s.warm; i++) await step();
const ms: number[] = [];
for (let i = 0; i < s.steps; i++) {
  c.barrier();
  const t0 = performance.now();
  await step();
  ms.push(performance.now() - t0);
}
const peakRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ rank: c.rank, size: c.size, ms, peakRssMB, zero: s.zero })}\n`);
replicas.optimizer.dispose();
model.dispose();
await backend.dispose();
c.close();
