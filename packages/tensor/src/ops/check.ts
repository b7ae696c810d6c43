import type { Tensor } from '../tensor.js';

/** Shared argument checks, so a shape mistake names the op and the tensor. */
export function expectDtype(op: string, name: string, t: Tensor, dtype: 'f32' | 'i32'): void {
  t.assertAlive(op);
  if (t.dtype !== dtype) throw new Error(`${op}: ${name} must be ${dtype}, got ${t.dtype} [${t.shape.join(', ')}]`);
}

export function lastDim(t: Tensor): number {
  return t.shape.length ? t.shape[t.shape.length - 1] : 1;
}

export function sameBackend(op: string, ...ts: Tensor[]): void {
  const b = ts[0].backend;
  for (const t of ts) if (t.backend !== b) throw new Error(`${op}: tensors live on different backends`);
}
