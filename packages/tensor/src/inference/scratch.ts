/** The buffers one engine forward allocates for itself, freed together in its `finally`. */
import type { Backend, Buf, DType } from '../backend.js';

export class ScratchBuffers {
  private readonly bufs: Buf[] = [];

  constructor(private readonly be: Backend) {}

  /** A zero-filled buffer that lives until free(); an arrow so `const tmp = scratch.alloc` works. */
  readonly alloc = (n: number, dtype: DType = 'f32'): Buf => {
    const b = this.be.alloc(dtype, n);
    this.bufs.push(b);
    return b;
  };

  free(): void {
    for (const b of this.bufs.splice(0)) this.be.free(b);
  }
}

/**
 * Buffers kept from one call to the next: a decode step's per-row buffers,
 * which would otherwise be allocated (and, from a caching pool, cleared) every
 * token. One set per row count, made once by the caller's `make`; a call takes
 * its set once, at its start, so evicting the oldest set (beyond `limit` sets)
 * never frees a buffer in use.
 */
export class ReusedBuffers<T> {
  private readonly sets = new Map<number, { set: T; bufs: Buf[] }>();

  constructor(
    private readonly be: Backend,
    /** Allocates the set for n rows with `alloc` (which records each buffer for dispose). */
    private readonly make: (n: number, alloc: (size: number, dtype?: DType) => Buf) => T,
    private readonly limit = 32,
  ) {}

  /** The set for calls over n rows, the same one every time (contents as the last call left them). */
  forRows(n: number): T {
    const kept = this.sets.get(n);
    if (kept) return kept.set;
    if (this.sets.size >= this.limit) {
      const [oldest, { bufs }] = this.sets.entries().next().value!;
      for (const b of bufs) this.be.free(b);
      this.sets.delete(oldest);
    }
    const bufs: Buf[] = [];
    const set = this.make(n, (size, dtype = 'f32') => {
      const b = this.be.alloc(dtype, size);
      bufs.push(b);
      return b;
    });
    this.sets.set(n, { set, bufs });
    return set;
  }

  dispose(): void {
    for (const { bufs } of this.sets.values()) for (const b of bufs) this.be.free(b);
    this.sets.clear();
  }
}
