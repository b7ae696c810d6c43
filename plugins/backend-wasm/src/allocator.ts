/**
 * A caching allocator over the shared wasm memory. Sizes are rounded up to
 * classes (eight per power of two, so at most 12.5% waste); a freed block
 * goes on its class's free list and the next request of that class reuses
 * it, so a training loop that allocates the same shapes every step stops
 * touching fresh memory after its first step. Fresh blocks come from a bump
 * pointer; the memory grows (in one step, with headroom) only when that
 * pointer passes its end.
 */
const PAGE = 65536;
/** wasm32's address space: 65536 pages of 64 KiB. */
export const MAX_BYTES = 65536 * PAGE;
const ALIGN = 64;

export class OutOfMemoryError extends Error {}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

export interface AllocatorStats {
  /** Bytes in live buffers (rounded to their class). */
  inUse: number;
  /** Bytes held on free lists for reuse. */
  cached: number;
  /** Highest address handed out so far (heap end). */
  top: number;
  /** Current size of the wasm memory. */
  memoryBytes: number;
  /** Number of fresh blocks carved from the bump pointer so far. */
  freshBlocks: number;
}

export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  const step = Math.max(ALIGN, pow / 8);
  return Math.ceil(bytes / step) * step;
}

export class CachingAllocator {
  private readonly free = new Map<number, number[]>();
  private top: number;
  private inUse = 0;
  private cached = 0;
  private freshBlocks = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapStart: number,
    private readonly limit = MAX_BYTES,
  ) {
    this.top = Math.ceil(heapStart / ALIGN) * ALIGN;
  }

  /** Returns [address, block bytes, fresh] — fresh blocks are already zero. */
  alloc(bytes: number): { ptr: number; size: number; fresh: boolean } {
    const size = sizeClass(Math.max(1, bytes));
    const list = this.free.get(size);
    if (list && list.length > 0) {
      this.cached -= size;
      this.inUse += size;
      return { ptr: list.pop()!, size, fresh: false };
    }
    if (this.top + size <= this.limit) {
      this.ensure(this.top + size);
      const ptr = this.top;
      this.top += size;
      this.inUse += size;
      this.freshBlocks++;
      return { ptr, size, fresh: true };
    }
    // Out of address space: settle for the smallest cached block that fits.
    let best = 0;
    for (const [s, l] of this.free) if (s >= size && l.length > 0 && (best === 0 || s < best)) best = s;
    if (best) {
      this.cached -= best;
      this.inUse += best;
      return { ptr: this.free.get(best)!.pop()!, size: best, fresh: false };
    }
    throw this.oom(bytes, `it does not fit in wasm32's ${gib(this.limit)}`);
  }

  private oom(bytes: number, why: string): OutOfMemoryError {
    return new OutOfMemoryError(
      `@kiln/backend-wasm: out of memory: a buffer of ${gib(bytes)} cannot be allocated: ${why} ` +
        `(${gib(this.inUse)} in live buffers, ${gib(this.cached)} cached). The model, batch or sequence length is ` +
        `too large for the wasm backend: use backend: 'native' (64-bit memory, @kiln/backend-native), ` +
        `a smaller batch size or context (or gradient accumulation), a smaller model, or the webgpu backend.`,
    );
  }

  release(ptr: number, size: number): void {
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
    this.inUse -= size;
    this.cached += size;
  }

  /** Grows the memory so that `end` bytes are addressable. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least a quarter of the current size so growth stays rare.
    const want = Math.min(this.limit, Math.max(end, have + have / 4));
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
    } catch (err) {
      // The host refused (RAM or address-space limits) before wasm32's 4 GiB.
      if (end < want) return this.growExactly(end, have, err);
      throw this.oom(
        end - this.top,
        `the host refused to grow the memory to ${(want / 2 ** 30).toFixed(2)} GiB: ${(err as Error).message}`,
      );
    }
  }

  private growExactly(end: number, have: number, first: unknown): void {
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      throw this.oom(
        end - this.top,
        `the host refused to grow the memory to ${(end / 2 ** 30).toFixed(2)} GiB: ${(first as Error).message}`,
      );
    }
  }

  stats(): AllocatorStats {
    return {
      inUse: this.inUse,
      cached: this.cached,
      top: this.top,
      memoryBytes: this.memory.buffer.byteLength,
      freshBlocks: this.freshBlocks,
    };
  }
}
