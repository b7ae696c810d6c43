import type { Buf, DType } from '../backend.js';

/** Float storage: f32 normally, f64 when the reference backend runs in f64 (gradient checks). */
export type FloatArray = Float32Array | Float64Array;
export type RefArray = FloatArray | Int32Array | Int8Array;

/** A reference-backend buffer: a host typed array and the pool that owns it. */
export class RefBuf implements Buf {
  readonly backend = 'js';
  /** Set by free(); any later use is an error. */
  freed = false;
  constructor(
    readonly owner: object,
    readonly dtype: DType,
    readonly data: RefArray,
  ) {}
  get length(): number {
    return this.data.length;
  }
}

/**
 * A caching pool keyed by dtype and length: freed buffers are kept and handed
 * out again, so a steady-state training step allocates no new arrays.
 */
export class BufferPool {
  private readonly free = new Map<string, RefArray[]>();
  /** Arrays created since construction (for the "allocates nothing new" check). */
  created = 0;
  reused = 0;
  cachedElements = 0;

  constructor(private readonly floatCtor: Float32ArrayConstructor | Float64ArrayConstructor) {}

  take(dtype: DType, length: number): RefArray {
    const list = this.free.get(`${dtype}:${length}`);
    const cached = list?.pop();
    if (cached) {
      cached.fill(0);
      this.reused++;
      this.cachedElements -= length;
      return cached;
    }
    this.created++;
    if (dtype === 'f32') return new this.floatCtor(length);
    if (dtype === 'i32') return new Int32Array(length);
    if (dtype === 'i8') return new Int8Array(length);
    throw new Error(`ReferenceBackend.alloc: unknown dtype '${String(dtype)}' (expected f32, i32 or i8)`);
  }

  give(dtype: DType, data: RefArray): void {
    const key = `${dtype}:${data.length}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(data);
    this.cachedElements += data.length;
  }

  /** Drop every cached array (memory goes back to the JS heap). */
  clear(): void {
    this.free.clear();
    this.cachedElements = 0;
  }
}
