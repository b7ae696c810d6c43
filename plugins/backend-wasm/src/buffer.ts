/** Buffers of the wasm backend: a byte address in the shared memory. */
import type { Buf, BufView, DType } from '@kiln/tensor';

export const BYTES: Record<DType, number> = { f32: 4, i32: 4, i8: 1 };

export class WasmBuf implements Buf {
  readonly backend = 'wasm';
  freed = false;
  constructor(
    readonly owner: object,
    readonly dtype: DType,
    readonly length: number,
    /** Byte address in the shared memory. */
    readonly ptr: number,
    /** Bytes of the allocator block (its size class). */
    readonly blockBytes: number,
  ) {}
}

/**
 * Resolves a view to the byte address of its first element after checking
 * that it belongs to `owner`, is live, has `dtype`, and holds `n` elements.
 * `what` names the argument in errors ("matmul: b").
 */
export function addr(owner: object, view: BufView, n: number, dtype: DType, what: string): number {
  const buf = ('buf' in view ? view.buf : view) as WasmBuf;
  const offset = 'buf' in view ? view.offset : 0;
  if (!(buf instanceof WasmBuf) || buf.owner !== owner) {
    throw new Error(`@kiln/backend-wasm: ${what} is a buffer of backend '${(buf as Buf)?.backend}', not of this wasm backend`);
  }
  if (buf.freed) throw new Error(`@kiln/backend-wasm: ${what} was used after free()`);
  if (buf.dtype !== dtype) throw new Error(`@kiln/backend-wasm: ${what} must be ${dtype}, got ${buf.dtype}`);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(n) || n < 0 || offset + n > buf.length) {
    throw new Error(`@kiln/backend-wasm: ${what}: elements [${offset}, ${offset}+${n}) are outside its ${buf.length} elements`);
  }
  return buf.ptr + offset * BYTES[dtype];
}
