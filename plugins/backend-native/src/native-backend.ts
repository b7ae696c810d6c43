/**
 * NativeBackend: the kernel backend on Rust kernels built for the host
 * (rust-kernels/, the same sources as the wasm backend), loaded as a
 * Node-API addon. Tensors live in 64-bit memory, one block per buffer, so
 * models beyond wasm32's 4 GiB fit; the ops are KernelBackend's, and a Rust
 * thread pool runs them, split exactly as the wasm backend splits them.
 */
import { availableParallelism, cpus } from 'node:os';
import { BYTES, type HostArray, K, KernelBackend, KernelBuf, parts, typedView } from '@kiln/backend-wasm';
import type { BackendInfo, Buf, BufView, DType } from '@kiln/tensor';
import { type Addon, type AddonInfo, loadAddon, type PoolHandle } from './addon.js';
import { type Block, NativeAllocator, type NativeAllocatorStats } from './allocator.js';

export interface NativeBackendOptions {
  /** Threads including the calling one; default: every core (os.availableParallelism()). */
  threads?: number;
}

/** A buffer of the native backend: its own block of addon memory. */
export class NativeBuf extends KernelBuf {
  constructor(
    owner: object,
    dtype: DType,
    length: number,
    readonly block: Block,
  ) {
    super(owner, 'native', dtype, length, block.ptr, block.size);
  }
}

export class NativeBackend extends KernelBackend {
  readonly info: BackendInfo;
  private readonly allocator: NativeAllocator;
  /** Reused for every dispatch's arguments (no allocation per op). */
  private readonly argv = new Float64Array(16);
  private readonly argvs: Float64Array[];
  private disposed = false;

  private constructor(
    private readonly addon: Addon,
    addonInfo: AddonInfo,
    private readonly pool: PoolHandle,
    threads: number,
  ) {
    super('@kiln/backend-native', threads, addonInfo.scratchFloats);
    this.allocator = new NativeAllocator(addon);
    // One exact-length array per arity: the addon checks the count.
    this.argvs = Array.from({ length: 17 }, (_, n) => new Float64Array(this.argv.buffer, 0, n));
    const cpu = cpus()[0]?.model?.trim() || 'unknown CPU';
    this.info = {
      name: 'native',
      device: `${cpu}, ${threads} thread${threads === 1 ? '' : 's'}, native ${addonInfo.isa}, ${addonInfo.lanes} lanes`,
      threads,
      simd: true,
      isa: addonInfo.isa,
      lanes: addonInfo.lanes,
    };
  }

  static async create(options: NativeBackendOptions = {}): Promise<NativeBackend> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new Error(`@kiln/backend-native: threads must be an integer from 1 to 256, got ${threads}`);
    }
    const loaded = loadAddon();
    if ('problem' in loaded) throw new Error(`@kiln/backend-native: ${loaded.problem}`);
    // No warm-up: machine code needs none (unlike wasm's baseline tier).
    return new NativeBackend(loaded.addon, loaded.info, loaded.addon.createPool(threads), threads);
  }

  /** Allocator figures: live and cached bytes. */
  memoryStats(): NativeAllocatorStats {
    return this.allocator.stats();
  }

  alloc(dtype: DType, length: number): Buf {
    if (this.disposed) throw new Error('@kiln/backend-native: backend used after dispose()');
    if (!(dtype in BYTES)) throw new Error(`@kiln/backend-native: alloc: unknown dtype '${dtype}'`);
    if (!Number.isInteger(length) || length < 0)
      throw new Error(`@kiln/backend-native: alloc: length must be a non-negative integer, got ${length}`);
    const bytes = length * BYTES[dtype];
    const block = this.allocator.alloc(bytes);
    // Fresh blocks are zero already; reused ones are cleared by the kernel.
    if (!block.fresh && bytes > 0) this.run(K.kiln_fill_bytes, [block.ptr, 0], bytes, 1 << 16, 1);
    return new NativeBuf(this, dtype, length, block);
  }

  free(buf: Buf): void {
    const b = buf as NativeBuf;
    if (!(b instanceof NativeBuf) || b.owner !== this)
      throw new Error('@kiln/backend-native: free: not a buffer of this backend');
    if (b.freed) throw new Error('@kiln/backend-native: free: buffer freed twice');
    b.freed = true;
    this.allocator.release(b.block);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Live buffers of a disposed backend are unusable anyway: the memory goes back to the system with the cache.
    this.allocator.trim();
    this.addon.destroyPool(this.pool);
  }

  /** Buffers are host memory: collectives (MPI) work on them in place. */
  hostView(view: BufView, n: number): HostArray {
    return this.window(view, n);
  }

  protected window(view: BufView, n: number): HostArray {
    const { buf, offset } = parts(view);
    const { memory } = (buf as NativeBuf).block;
    return typedView(buf.dtype, memory, offset * BYTES[buf.dtype], n);
  }

  protected dispatch(kernel: number, args: readonly number[], units: number, grain: number, threads: number): void {
    if (this.disposed) throw new Error('@kiln/backend-native: backend used after dispose()');
    if (units <= 0) return;
    const argv = this.argvs[args.length];
    for (let i = 0; i < args.length; i++) argv[i] = args[i];
    this.addon.run(this.pool, kernel, argv, units, grain, threads);
  }
}
