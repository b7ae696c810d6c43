import type { TokenBatches } from '@kiln/core';
import { type AdamW, backward, clipGradNorm, gradNorm, IGNORE_INDEX, noGrad, type Tensor, tidy } from '@kiln/tensor';
import type { CausalLM } from './model.js';

export interface StepShape {
  /** Rows per micro-batch. */
  B: number;
  /** Tokens per row. */
  T: number;
  /** Micro-batches per optimizer step. */
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

function countTargets(targets: Int32Array): number {
  let n = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE_INDEX) n++;
  return n;
}

/**
 * One optimizer step: k micro-batches whose losses are each divided by the
 * number of target tokens in the WHOLE window (not per micro-batch), so their
 * summed gradients equal one batch k times larger; then clipping and AdamW.
 */
export async function trainStep(
  model: CausalLM,
  params: Tensor[],
  opt: AdamW,
  data: TokenBatches,
  shape: StepShape,
  o: { lr: number; gradClip: number },
): Promise<StepResult> {
  const micro = Array.from({ length: shape.gradAccum }, () => data.next(shape.B, shape.T));
  const tokens = micro.reduce((n, m) => n + countTargets(m.targets), 0);
  if (tokens === 0) throw new Error('causal-lm: a whole accumulation window has no target tokens (all ignored)');
  opt.zeroGrad();
  let loss = 0;
  for (const { inputs, targets, segments } of micro as Array<{
    inputs: Int32Array;
    targets: Int32Array;
    segments?: Int32Array;
  }>) {
    const l = tidy(() => {
      // segments: packed batches (the finetune stage's) keep examples from attending to each other.
      const out = model.forward(inputs, targets, { T: shape.T, normalizer: tokens, segments });
      if (!out.loss) throw new Error('causal-lm: the model returned no loss for the given targets');
      backward(out.loss);
      return out.loss;
    });
    loss += await l.item();
    l.dispose();
  }
  const { norm, scale } =
    o.gradClip > 0 ? await clipGradNorm(params, o.gradClip) : { norm: await gradNorm(params), scale: 1 };
  if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
    throw new Error(
      `causal-lm: the loss (${loss}) or gradient norm (${norm}) is not finite; lower the learning rate or check the data`,
    );
  }
  opt.step({ lr: o.lr, gradScale: scale });
  return { loss, gradNorm: norm, tokens };
}

/** Mean loss per target token over `batches` batches of `data`, without recording. */
export async function evaluate(
  model: CausalLM,
  data: TokenBatches,
  B: number,
  T: number,
  batches: number,
): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < batches; i++) {
    const { inputs, targets, segments } = data.next(B, T) as {
      inputs: Int32Array;
      targets: Int32Array;
      segments?: Int32Array;
    };
    const n = countTargets(targets);
    if (n === 0) continue;
    // normalizer 1: the loss is the sum over tokens, so batches weigh by their token count.
    const l = noGrad(() => tidy(() => model.forward(inputs, targets, { T, normalizer: 1, segments }).loss!));
    sum += await l.item();
    l.dispose();
    count += n;
  }
  if (count === 0) throw new Error('causal-lm: the validation batches hold no target tokens');
  return sum / count;
}
