/**
 * A caching pool of GPUBuffers, keyed by size bucket.
 *
 * Sizes round up to a power of two below 1 MiB and to an eighth of the
 * enclosing power of two above it (at most 12.5% waste), so the same buffers
 * serve step after step without creating GPU memory in the training loop.
 */
export function bucketBytes(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  const pow = 2 ** Math.ceil(Math.log2(b));
  if (pow <= 1 << 20) return pow;
  const step = pow / 16; // eighths of the power of two below `pow`
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Bytes held by buffers waiting in the pool. */
  cachedBytes = 0;
  /** Bytes of every buffer this pool ever created and has not destroyed. */
  liveBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly label: string,
  ) {}

  /** A buffer of at least `bytes`; `fresh` tells whether it is new (and so zero-filled by WebGPU). */
  take(bytes: number): { buffer: GPUBuffer; fresh: boolean } {
    const size = bucketBytes(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.cachedBytes -= size;
      return { buffer: reused, fresh: false };
    }
    const buffer = this.device.createBuffer({ size, usage: this.usage, label: `${this.label}:${size}` });
    this.liveBytes += size;
    return { buffer, fresh: true };
  }

  give(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
    this.cachedBytes += buffer.size;
  }

  /** Destroy every cached buffer (live ones are untouched). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.liveBytes -= this.cachedBytes;
    this.cachedBytes = 0;
    this.free.clear();
  }
}
