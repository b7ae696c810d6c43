/**
 * WasmBackend: the kernel backend on Rust kernels compiled to wasm32 SIMD,
 * run on the main thread plus a pool of worker threads that share one
 * WebAssembly.Memory. Tensors are byte addresses in that memory. The ops
 * themselves are KernelBackend's (shared with the native backend).
 */
import { availableParallelism, cpus } from 'node:os';
import type { BackendInfo, Buf, BufView, DType } from '@kiln/tensor';
import { type AllocatorStats, CachingAllocator } from './allocator.js';
import { BYTES, parts, typedView, WasmBuf } from './buffer.js';
import { type HostArray, KernelBackend } from './kernel-backend.js';
import { instantiateKernels, K, KERNELS, type KernelInstance } from './kernels.js';
import { ThreadPool } from './pool.js';
import { warmUp } from './warmup.js';

export interface WasmBackendOptions {
  /** Threads including the main one; default: every core (os.availableParallelism()). */
  threads?: number;
  /** Skip the kernel warm-up (tests that time nothing). Default false. */
  skipWarmup?: boolean;
}

export class WasmBackend extends KernelBackend {
  readonly info: BackendInfo;
  private readonly memory: WebAssembly.Memory;
  private readonly allocator: CachingAllocator;

  private constructor(
    kernels: KernelInstance,
    private readonly pool: ThreadPool,
  ) {
    super('@kiln/backend-wasm', pool.threads, kernels.scratchFloats);
    this.memory = kernels.memory;
    this.allocator = new CachingAllocator(kernels.memory, kernels.heapStart);
    const cpu = cpus()[0]?.model?.trim() || 'unknown CPU';
    this.info = {
      name: 'wasm',
      device: `${cpu}, ${pool.threads} thread${pool.threads === 1 ? '' : 's'}, wasm32 simd128`,
      threads: pool.threads,
      simd: true,
      maxMemoryBytes: 2 ** 32,
    };
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new Error(`@kiln/backend-wasm: threads must be an integer from 1 to 256, got ${threads}`);
    }
    const kernels = await instantiateKernels(threads);
    const pool = await ThreadPool.create({
      module: kernels.module,
      memory: kernels.memory,
      names: KERNELS,
      mainFns: kernels.fns,
      threads,
      stackTops: kernels.stackTops,
      scratch: kernels.scratch,
    });
    const backend = new WasmBackend(kernels, pool);
    if (!options.skipWarmup) warmUp(backend);
    return backend;
  }

  /** Allocator figures: live, cached and total bytes (for memory tests and doctor). */
  memoryStats(): AllocatorStats {
    return this.allocator.stats();
  }

  alloc(dtype: DType, length: number): Buf {
    if (!(dtype in BYTES)) throw new Error(`@kiln/backend-wasm: alloc: unknown dtype '${dtype}'`);
    if (!Number.isInteger(length) || length < 0)
      throw new Error(`@kiln/backend-wasm: alloc: length must be a non-negative integer, got ${length}`);
    const bytes = length * BYTES[dtype];
    const { ptr, size, fresh } = this.allocator.alloc(bytes);
    // Fresh blocks are zero already; reused ones are cleared with memory.fill.
    if (!fresh && bytes > 0) this.run(K.kiln_fill_bytes, [ptr, 0], bytes, 1 << 16, 1);
    return new WasmBuf(this, dtype, length, ptr, size);
  }

  free(buf: Buf): void {
    const b = buf as WasmBuf;
    if (!(b instanceof WasmBuf) || b.owner !== this)
      throw new Error('@kiln/backend-wasm: free: not a buffer of this backend');
    if (b.freed) throw new Error('@kiln/backend-wasm: free: buffer freed twice');
    b.freed = true;
    this.allocator.release(b.ptr, b.blockBytes);
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
  }

  protected window(view: BufView, n: number): HostArray {
    const { buf, offset } = parts(view);
    const b = buf as WasmBuf;
    // A fresh view each time: growing the memory replaces its buffer.
    return typedView(b.dtype, this.memory.buffer, b.ptr + offset * BYTES[b.dtype], n);
  }

  protected dispatch(kernel: number, args: readonly number[], units: number, grain: number, threads: number): void {
    this.pool.run(kernel, args, units, grain, threads);
  }
}
