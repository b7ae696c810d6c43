/** Buffers of the kernel backends: a byte address in the kernels' memory. */
import type { Buf, BufView, DType } from '@kiln/tensor';

export const BYTES: Record<DType, number> = { f32: 4, i32: 4, i8: 1 };

export class KernelBuf implements Buf {
  freed = false;
  constructor(
    /** The backend instance that made it; ops refuse buffers of another. */
    readonly owner: object,
    readonly backend: string,
    readonly dtype: DType,
    readonly length: number,
    /** Byte address in the kernels' memory. */
    readonly ptr: number,
    /** Bytes of the allocator block (its size class). */
    readonly blockBytes: number,
  ) {}
}

/** A buffer of the wasm backend: an address in its shared WebAssembly.Memory. */
export class WasmBuf extends KernelBuf {
  constructor(owner: object, dtype: DType, length: number, ptr: number, blockBytes: number) {
    super(owner, 'wasm', dtype, length, ptr, blockBytes);
  }
}

/** A typed array of `n` elements of `dtype` over `memory` from byte `at` (a live view, no copy). */
export function typedView(
  dtype: DType,
  memory: ArrayBufferLike,
  at: number,
  n: number,
): Float32Array | Int32Array | Int8Array {
  if (dtype === 'f32') return new Float32Array(memory, at, n);
  return dtype === 'i32' ? new Int32Array(memory, at, n) : new Int8Array(memory, at, n);
}

/** The buffer and element offset of a view. */
export function parts(view: BufView): { buf: Buf; offset: number } {
  return 'buf' in view ? view : { buf: view, offset: 0 };
}

/**
 * Resolves a view to the byte address of its first element after checking
 * that it belongs to `owner`, is live, has `dtype`, and holds `n` elements.
 * `label` starts each error (the package); `what` names the argument
 * ("matmul: b").
 */
export function addr(
  owner: { readonly info: { name: string } },
  label: string,
  view: BufView,
  n: number,
  dtype: DType,
  what: string,
): number {
  const { buf, offset } = parts(view);
  if (!(buf instanceof KernelBuf) || buf.owner !== owner) {
    throw new Error(
      `${label}: ${what} is a buffer of backend '${buf?.backend}', not of this ${owner.info.name} backend`,
    );
  }
  if (buf.freed) throw new Error(`${label}: ${what} was used after free()`);
  if (buf.dtype !== dtype) throw new Error(`${label}: ${what} must be ${dtype}, got ${buf.dtype}`);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(n) || n < 0 || offset + n > buf.length) {
    throw new Error(`${label}: ${what}: elements [${offset}, ${offset}+${n}) are outside its ${buf.length} elements`);
  }
  return buf.ptr + offset * BYTES[dtype];
}
