/**
 * Measurements shared by the benchmark (npm run bench) and the prepared GPU
 * check (scripts/gpu-check.sh): matmul throughput and GPT-2 training tokens/s.
 */

import { GPT2, type GPT2Config } from '@kiln/gpt2/model';
import { AdamW, type Backend, backward, clipGradNorm, createRng, tidy } from '@kiln/tensor';

export interface MatmulRow {
  M: number;
  N: number;
  K: number;
  layout: string;
  ms: number;
  gflops: number;
}

/** out[M,N] = a·bᵀ (the nn.Linear forward layout) and a·b, timed over `reps` batched calls. */
export async function matmulBench(be: Backend, shapes: [number, number, number][], reps: number): Promise<MatmulRow[]> {
  const rows: MatmulRow[] = [];
  for (const [M, N, K] of shapes) {
    const a = be.alloc('f32', M * K);
    const b = be.alloc('f32', K * N);
    const out = be.alloc('f32', M * N);
    const rng = createRng(M + N + K);
    be.write(
      a,
      Float32Array.from({ length: M * K }, () => rng.normal()),
    );
    be.write(
      b,
      Float32Array.from({ length: K * N }, () => rng.normal()),
    );
    for (const transB of [true, false]) {
      be.matmul({ out, a, b, M, N, K, transB });
      await be.sync(); // compile and warm
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) be.matmul({ out, a, b, M, N, K, transB });
      await be.sync();
      const ms = (performance.now() - t0) / reps;
      rows.push({ M, N, K, layout: transB ? 'a·bᵀ' : 'a·b', ms, gflops: (2 * M * N * K) / (ms * 1e6) });
    }
    [a, b, out].forEach((x) => be.free(x));
  }
  return rows;
}

export const GPT2_SHAPES: Record<string, GPT2Config> = {
  tiny: { vocabSize: 97, nPositions: 32, nLayer: 2, nEmbd: 48, nHead: 4 },
  small: { vocabSize: 4096, nPositions: 256, nLayer: 4, nEmbd: 256, nHead: 4 },
  '124m': { vocabSize: 50257, nPositions: 1024, nLayer: 12, nEmbd: 768, nHead: 12 },
};

export interface TrainResult {
  model: string;
  B: number;
  T: number;
  steps: number;
  msPerStep: number;
  tokensPerSecond: number;
  firstLoss: number;
  lastLoss: number;
}

/**
 * Full training steps (forward, backward, clip, AdamW; the loss read back
 * each step as a trainer does) on random tokens; the first `warmup` steps
 * (pipeline compilation) are not timed.
 */
export async function trainBench(
  be: Backend,
  model: string,
  B: number,
  T: number,
  steps: number,
  warmup = 2,
): Promise<TrainResult> {
  const cfg = GPT2_SHAPES[model];
  if (!cfg) throw new Error(`trainBench: unknown model '${model}' (${Object.keys(GPT2_SHAPES).join(', ')})`);
  const m = new GPT2(cfg, be, createRng(1));
  const params = [...m.parameters().values()];
  const opt = new AdamW(m.parameters(), { lr: 6e-4, betas: [0.9, 0.95], weightDecay: 0.1 });
  const rng = createRng(2);
  const tokens = Int32Array.from({ length: B * T + 1 }, () => rng.int(cfg.vocabSize));
  const ids = tokens.subarray(0, B * T);
  const targets = tokens.subarray(1);
  const losses: number[] = [];
  let t0 = 0;
  for (let step = 0; step < warmup + steps; step++) {
    if (step === warmup) {
      await be.sync();
      t0 = performance.now();
    }
    opt.zeroGrad();
    const lossT = tidy(() => {
      const { loss } = m.forward(ids, targets, { T });
      backward(loss!);
      return loss!;
    });
    losses.push(await lossT.item());
    lossT.dispose();
    const { scale } = await clipGradNorm(params, 1.0);
    opt.step({ gradScale: scale });
  }
  await be.sync();
  const ms = (performance.now() - t0) / steps;
  opt.dispose();
  m.dispose();
  return {
    model,
    B,
    T,
    steps,
    msPerStep: ms,
    tokensPerSecond: (B * T) / (ms / 1000),
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
  };
}
