import { gradOf, record } from '../autograd/tape.js';
import { Tensor } from '../tensor.js';
import { expectDtype, lastDim, sameBackend } from './check.js';

/** GELU, tanh approximation (GPT-2's gelu_new). */
export function gelu(x: Tensor): Tensor {
  expectDtype('gelu', 'x', x, 'f32');
  const be = x.backend;
  const n = x.size;
  const out = Tensor.zeros(be, x.shape);
  be.gelu(out.view, x.view, n);
  return record(out, 'gelu', [x], (dout) => {
    const dx = gradOf(x);
    if (dx) be.geluBackward(dx.view, dout.view, x.view, n);
  });
}

/** x[..., 2F] = [gate | up] → silu(gate) · up, [..., F]. */
export function swiglu(x: Tensor): Tensor {
  expectDtype('swiglu', 'x', x, 'f32');
  const F2 = lastDim(x);
  if (F2 % 2 !== 0) throw new Error(`swiglu: last dimension must be even ([gate | up]), got ${F2}`);
  const F = F2 / 2;
  const N = x.size / F2;
  const be = x.backend;
  const out = Tensor.zeros(be, [...x.shape.slice(0, -1), F]);
  be.swiglu(out.view, x.view, N, F);
  return record(out, 'swiglu', [x], (dout) => {
    const dx = gradOf(x);
    if (dx) be.swigluBackward(dx.view, dout.view, x.view, N, F);
  });
}

/** a + b, same number of elements (the residual connection). */
export function add(a: Tensor, b: Tensor): Tensor {
  expectDtype('add', 'a', a, 'f32');
  expectDtype('add', 'b', b, 'f32');
  sameBackend('add', a, b);
  if (a.size !== b.size) throw new Error(`add: sizes differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  const be = a.backend;
  const n = a.size;
  const out = Tensor.zeros(be, a.shape);
  be.add(out.view, a.view, b.view, n);
  return record(out, 'add', [a, b], (dout) => {
    const da = gradOf(a);
    if (da) be.axpy(da.view, dout.view, 1, n);
    const db = gradOf(b);
    if (db) be.axpy(db.view, dout.view, 1, n);
  });
}

/** alpha · x. */
export function mulScalar(x: Tensor, alpha: number): Tensor {
  expectDtype('mulScalar', 'x', x, 'f32');
  const be = x.backend;
  const n = x.size;
  const out = Tensor.zeros(be, x.shape);
  be.axpy(out.view, x.view, alpha, n);
  return record(out, 'mulScalar', [x], (dout) => {
    const dx = gradOf(x);
    if (dx) be.axpy(dx.view, dout.view, alpha, n);
  });
}

/** The same buffer seen with another shape (no copy); the gradient flows through. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('reshape');
  const out = new Tensor(x.backend, x.buf, shape, x.offset, x.base ?? x);
  if (out.size !== x.size)
    throw new Error(`reshape: [${x.shape.join(', ')}] has ${x.size} elements, [${shape.join(', ')}] has ${out.size}`);
  return record(out, 'reshape', [x], (dout) => {
    const dx = gradOf(x);
    if (dx) x.backend.axpy(dx.view, dout.view, 1, x.size);
  });
}
