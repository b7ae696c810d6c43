/** Device buffers and argument checking shared by every op. */
import type { Buf, BufView, DType } from '@kiln/tensor';

export const BYTES: Record<DType, number> = { f32: 4, i32: 4, i8: 1 };

export class WebGPUBuf implements Buf {
  readonly backend = 'webgpu';
  freed = false;
  constructor(
    readonly dtype: DType,
    readonly length: number,
    readonly gpu: GPUBuffer,
    /** The Backend instance that owns it (a second device's buffers are refused). */
    readonly owner: object,
  ) {}
}

export interface Resolved {
  buf: WebGPUBuf;
  offset: number;
}

/**
 * Check a view for op `op`, argument `arg`: the right backend and dtype, not
 * freed, and `need` elements available from its offset.
 */
export function resolve(owner: object, v: BufView, need: number, dtype: DType, op: string, arg: string): Resolved {
  const buf = (v instanceof WebGPUBuf ? v : (v as { buf: Buf }).buf) as Buf | undefined;
  const offset = v instanceof WebGPUBuf ? 0 : ((v as { offset?: number }).offset ?? 0);
  if (!(buf instanceof WebGPUBuf) || buf.owner !== owner) {
    throw new Error(
      `webgpu.${op}: ${arg} is not a buffer of this WebGPU backend (got ${buf ? `a '${buf.backend}' buffer` : String(buf)})`,
    );
  }
  if (buf.freed) throw new Error(`webgpu.${op}: ${arg} was freed`);
  if (buf.dtype !== dtype) throw new Error(`webgpu.${op}: ${arg} must be ${dtype}, got ${buf.dtype}`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new Error(`webgpu.${op}: ${arg} offset ${offset} is not a non-negative integer`);
  if (!Number.isInteger(need) || need < 0)
    throw new Error(`webgpu.${op}: size ${need} for ${arg} is not a non-negative integer`);
  if (offset + need > buf.length) {
    throw new Error(`webgpu.${op}: ${arg} needs ${need} elements from offset ${offset} but has ${buf.length}`);
  }
  return { buf, offset };
}

/** Positive integer sizes, named in the error. */
export function dims(op: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`webgpu.${op}: ${k}=${v} must be a non-negative integer`);
  }
}
