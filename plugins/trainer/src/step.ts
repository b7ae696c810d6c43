import type { TokenBatches } from '@kiln/core';
import { backward, noGrad, type Tensor, tidy } from '@kiln/tensor';
import { type Batch, countTargets, type Optimizer, oneProcess, type Replicas } from './distributed/replicas.js';
import type { CausalLM } from './model.js';

export interface StepShape {
  /** Rows per micro-batch (on each rank, under mpirun). */
  B: number;
  /** Tokens per row. */
  T: number;
  /** Micro-batches per optimizer step (on each rank). */
  gradAccum: number;
}

export interface StepResult {
  /** Mean loss per target token over the whole accumulation window. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Target tokens that counted (ignore-index targets excluded). */
  tokens: number;
}

/**
 * One optimizer step: k micro-batches whose losses are each divided by the
 * number of target tokens in the WHOLE window (not per micro-batch), so their
 * summed gradients equal one batch k times larger; then clipping and AdamW.
 * With `replicas` of several ranks the window spans them all (replicas.ts).
 */
export async function trainStep(
  model: CausalLM,
  params: Tensor[],
  opt: Optimizer,
  data: TokenBatches,
  shape: StepShape,
  o: { lr: number; gradClip: number },
  replicas: Replicas = oneProcess(params, opt),
): Promise<StepResult> {
  const { micro, tokens } = replicas.window(data, shape.B, shape.T, shape.gradAccum);
  if (tokens === 0) throw new Error('causal-lm: a whole accumulation window has no target tokens (all ignored)');
  opt.zeroGrad();
  const losses: number[] = [];
  for (const { inputs, targets, segments } of micro) {
    const l = tidy(() => {
      // segments: packed batches (the finetune stage's) keep examples from attending to each other.
      const out = model.forward(inputs, targets, { T: shape.T, normalizer: tokens, segments });
      if (!out.loss) throw new Error('causal-lm: the model returned no loss for the given targets');
      backward(out.loss);
      return out.loss;
    });
    losses.push(await l.item());
    l.dispose();
  }
  await replicas.reduceGradients();
  const norm = await replicas.gradNorm();
  const loss = replicas.loss(losses);
  if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
    throw new Error(
      `causal-lm: the loss (${loss}) or gradient norm (${norm}) is not finite; lower the learning rate or check the data`,
    );
  }
  // torch.nn.utils.clip_grad_norm_'s factor, passed to AdamW instead of rewriting the gradients.
  const scale = o.gradClip > 0 ? Math.min(1, o.gradClip / (norm + 1e-6)) : 1;
  await replicas.update(o.lr, scale);
  return { loss, gradNorm: norm, tokens };
}

/**
 * Mean loss per target token over `batches` batches of `data`, without
 * recording. With several ranks, each draws every batch and evaluates every
 * size-th (`batches` per rank), and the sums add in batch order, as one process would.
 */
export async function evaluate(
  model: CausalLM,
  data: TokenBatches,
  B: number,
  T: number,
  batches: number,
  replicas?: Pick<Replicas, 'rank' | 'size' | 'sum'>,
): Promise<number> {
  const { rank, size } = replicas ?? { rank: 0, size: 1 };
  const total = batches * size;
  // [loss sum, target count] per batch: only its rank fills a batch's pair, so the sum over ranks is exact.
  const pairs = new Float64Array(2 * total);
  for (let i = 0; i < total; i++) {
    const { inputs, targets, segments } = data.next(B, T) as Batch;
    if (i % size !== rank) continue;
    const n = countTargets(targets);
    if (n === 0) continue;
    // normalizer 1: the loss is the sum over tokens, so batches weigh by their token count.
    const l = noGrad(() => tidy(() => model.forward(inputs, targets, { T, normalizer: 1, segments }).loss!));
    pairs[2 * i] = await l.item();
    pairs[2 * i + 1] = n;
    l.dispose();
  }
  replicas?.sum(pairs);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < total; i++) {
    if (pairs[2 * i + 1] === 0) continue;
    sum += pairs[2 * i];
    count += pairs[2 * i + 1];
  }
  if (count === 0) throw new Error('causal-lm: the validation batches hold no target tokens');
  return sum / count;
}
