import { backward, createRng, keep, noGrad, ReferenceBackend, type Rng, Tensor, tidy } from '@kiln/tensor';
import { expect } from 'vitest';

/**
 * Finite-difference gradient checks on the f64 reference backend: for a
 * function f of some tensors, L = sum(f(x) · R) with a fixed random R; the
 * tape's gradient of L must match central differences (h = 1e-6) to ~1e-6.
 */
export const be64 = new ReferenceBackend({ precision: 'f64' });

export async function read64(t: Tensor): Promise<Float64Array> {
  return be64.readF64(t.buf, t.offset, t.size);
}

export function param(rng: Rng, shape: number[], std = 1, mean = 0): Tensor {
  const t = keep(Tensor.randn(be64, shape, rng, std, mean));
  t.requiresGrad = true;
  return t;
}

async function objective(f: () => Tensor, R: Float64Array): Promise<number> {
  return noGrad(() =>
    tidy(async () => {
      const out = await read64(f());
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i] * R[i];
      return s;
    }),
  );
}

export async function gradcheck(
  label: string,
  inputs: Tensor[],
  f: () => Tensor,
  o: { samples?: number; h?: number; tol?: number; seed?: number } = {},
): Promise<void> {
  const rng = createRng(o.seed ?? 99);
  const h = o.h ?? 1e-6;
  const tol = o.tol ?? 1e-6;
  for (const t of inputs) t.grad?.dispose(), (t.grad = null);
  // The analytic gradient: backward with seed R.
  let R!: Float64Array;
  await tidy(async () => {
    const out = f();
    R = Float64Array.from({ length: out.size }, () => rng.normal());
    const seed = Tensor.zeros(be64, out.shape);
    be64.write(seed.buf, R);
    backward(out, seed);
  });
  for (const [k, t] of inputs.entries()) {
    expect(t.grad, `${label}: input ${k} got no gradient`).not.toBeNull();
    const analytic = await read64(t.grad!);
    const values = await read64(t);
    const n = t.size;
    const picks =
      n <= (o.samples ?? 24) ? [...Array(n).keys()] : Array.from({ length: o.samples ?? 24 }, () => rng.int(n));
    let scale = 0;
    for (const v of analytic) scale = Math.max(scale, Math.abs(v));
    for (const i of picks) {
      const orig = values[i];
      values[i] = orig + h;
      be64.write(t.buf, values, t.offset);
      const up = await objective(f, R);
      values[i] = orig - h;
      be64.write(t.buf, values, t.offset);
      const down = await objective(f, R);
      values[i] = orig;
      be64.write(t.buf, values, t.offset);
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(numeric - analytic[i]) / Math.max(1, scale);
      expect(err, `${label}: d/d input${k}[${i}] analytic ${analytic[i]} vs numeric ${numeric}`).toBeLessThan(tol);
    }
  }
}
