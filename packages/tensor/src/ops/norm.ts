import { gradOf, record } from '../autograd/tape.js';
import { Tensor } from '../tensor.js';
import { expectDtype, lastDim, sameBackend } from './check.js';

/** LayerNorm over the last dimension (biased variance, as torch). */
export function layerNorm(x: Tensor, w: Tensor, b: Tensor | null, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  expectDtype(op, 'x', x, 'f32');
  const C = lastDim(x);
  if (w.size !== C || (b && b.size !== C))
    throw new Error(`${op}: weight/bias must have ${C} elements (x is [${x.shape.join(', ')}])`);
  sameBackend(op, x, w, ...(b ? [b] : []));
  const N = x.size / C;
  const be = x.backend;
  const out = Tensor.zeros(be, x.shape);
  const mean = Tensor.zeros(be, [N]);
  const rstd = Tensor.zeros(be, [N]);
  be.layernorm(out.view, mean.view, rstd.view, x.view, w.view, b?.view ?? null, N, C, eps);
  return record(out, op, b ? [x, w, b] : [x, w], (dout) => {
    const tmp: Tensor[] = [];
    const dx = gradOrScratch(x, tmp);
    const dw = gradOrScratch(w, tmp);
    const db = b ? gradOrScratch(b, tmp) : null;
    be.layernormBackward(dx.view, dw.view, db?.view ?? null, dout.view, x.view, w.view, mean.view, rstd.view, N, C);
    for (const t of tmp) t.dispose();
  });
}

/** RMSNorm over the last dimension: x · rsqrt(mean(x²) + eps) · w. */
export function rmsNorm(x: Tensor, w: Tensor, eps = 1e-6): Tensor {
  const op = 'rmsNorm';
  expectDtype(op, 'x', x, 'f32');
  const C = lastDim(x);
  if (w.size !== C) throw new Error(`${op}: weight must have ${C} elements (x is [${x.shape.join(', ')}])`);
  sameBackend(op, x, w);
  const N = x.size / C;
  const be = x.backend;
  const out = Tensor.zeros(be, x.shape);
  const rstd = Tensor.zeros(be, [N]);
  be.rmsnorm(out.view, rstd.view, x.view, w.view, N, C, eps);
  return record(out, op, [x, w], (dout) => {
    const tmp: Tensor[] = [];
    const dx = gradOrScratch(x, tmp);
    const dw = gradOrScratch(w, tmp);
    be.rmsnormBackward(dx.view, dw.view, dout.view, x.view, w.view, rstd.view, N, C);
    for (const t of tmp) t.dispose();
  });
}

/**
 * The input's gradient, or a throwaway buffer (pushed onto `tmp`, disposed
 * after the kernel) when it needs none: the fused kernels write all of theirs.
 */
function gradOrScratch(t: Tensor, tmp: Tensor[]): Tensor {
  const g = gradOf(t);
  if (g) return g;
  const s = Tensor.zeros(t.backend, t.shape);
  tmp.push(s);
  return s;
}
