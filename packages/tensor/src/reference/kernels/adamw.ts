import type { FloatArray } from '../ref-buf.js';

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  gradScale: number;
}

/**
 * One AdamW step in PyTorch's order (torch.optim.AdamW, non-fused):
 * decay the weight, update the moments, then the bias-corrected step.
 */
export function adamw(
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  n: number,
  h: AdamWHyper,
): void {
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  const stepSize = h.lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  const decay = 1 - h.lr * h.weightDecay;
  for (let i = 0; i < n; i++) {
    const g = grad[i] * h.gradScale;
    const mi = h.beta1 * m[i] + (1 - h.beta1) * g;
    const vi = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = param[i] * decay - stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + h.eps));
  }
}

/** out[0] (+)= sum of x², summed in f64: the gradient norm that clipping folds into gradScale. */
export function sumSquares(out: FloatArray, x: FloatArray, n: number, accumulate: boolean): void {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  out[0] = accumulate ? out[0] + s : s;
}
