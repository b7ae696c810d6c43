import { gradOf, record } from '../autograd/tape.js';
import { Tensor } from '../tensor.js';
import { expectDtype, lastDim, sameBackend } from './check.js';

/**
 * How a weight matrix is stored: 'out-in' is torch.nn.Linear's [out, in];
 * 'in-out' is Hugging Face GPT-2's Conv1D [in, out].
 */
export type WeightLayout = 'out-in' | 'in-out';

/**
 * y[..., N] = x[..., K] · W (+ b): one matmul with the bias fused. With the
 * 'out-in' layout and no bias this is also a tied LM head (x · wteᵀ).
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null, layout: WeightLayout = 'out-in'): Tensor {
  const op = 'linear';
  expectDtype(op, 'x', x, 'f32');
  expectDtype(op, 'weight', w, 'f32');
  if (w.shape.length !== 2) throw new Error(`${op}: weight must be 2-D, got [${w.shape.join(', ')}]`);
  const K = lastDim(x);
  const [N, wK] = layout === 'out-in' ? [w.shape[0], w.shape[1]] : [w.shape[1], w.shape[0]];
  if (wK !== K)
    throw new Error(`${op}: x has ${K} features but weight [${w.shape.join(', ')}] (${layout}) expects ${wK}`);
  if (b) {
    expectDtype(op, 'bias', b, 'f32');
    if (b.size !== N) throw new Error(`${op}: bias has ${b.size} elements, expected ${N}`);
    sameBackend(op, x, w, b);
  } else sameBackend(op, x, w);
  const M = x.size / K;
  const be = x.backend;
  const out = Tensor.zeros(be, [...x.shape.slice(0, -1), N]);
  const transB = layout === 'out-in';
  be.matmul({ out: out.view, a: x.view, b: w.view, bias: b?.view, M, N, K, transB });
  return record(out, op, b ? [x, w, b] : [x, w], (dout) => {
    const dx = gradOf(x);
    // dx[M,K] += dout[M,N] · W as [N,K]
    if (dx) be.matmul({ out: dx.view, a: dout.view, b: w.view, M, N: K, K: N, transB: !transB, accumulate: true });
    const dw = gradOf(w);
    if (dw) {
      if (transB)
        be.matmul({ out: dw.view, a: dout.view, b: x.view, M: N, N: K, K: M, transA: true, accumulate: true }); // dW[N,K] += doutᵀ·x
      else be.matmul({ out: dw.view, a: x.view, b: dout.view, M: K, N, K: M, transA: true, accumulate: true }); // dW[K,N] += xᵀ·dout
    }
    const db = b ? gradOf(b) : null;
    if (db) be.biasBackward(db.view, dout.view, M, N);
  });
}
