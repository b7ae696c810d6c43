import { Tensor } from '../tensor.js';

/**
 * The global L2 norm of all gradients: one sumSquares per tensor into a single
 * device scalar, then ONE read. Parameters without a gradient count as zero.
 */
export async function gradNorm(params: Iterable<Tensor>): Promise<number> {
  let acc: Tensor | null = null;
  let first = true;
  for (const p of params) {
    if (!p.grad) continue;
    acc ??= Tensor.zeros(p.backend, [1]);
    p.backend.sumSquares(acc.view, p.grad.view, p.size, !first);
    first = false;
  }
  if (!acc) return 0;
  const ss = await acc.item();
  acc.dispose();
  return Math.sqrt(ss);
}

/**
 * Clip like torch.nn.utils.clip_grad_norm_: returns the norm before clipping
 * and the factor min(1, maxNorm / (norm + 1e-6)) to pass to AdamW.step as
 * gradScale (the gradients themselves are not rewritten).
 */
export async function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
): Promise<{ norm: number; scale: number }> {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const norm = await gradNorm(params);
  return { norm, scale: Math.min(1, maxNorm / (norm + 1e-6)) };
}
