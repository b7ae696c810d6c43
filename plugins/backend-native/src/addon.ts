/**
 * Loading the addon: rust-kernels/ built for the host by `npm run build:native`
 * and committed as native/kiln-kernels.<platform>-<arch>[-gnu].node, so an
 * install needs no Rust toolchain. On x86_64 a second build for x86-64-v3
 * (`.v3.node`) is taken where the CPU has AVX2 and FMA, as the portable
 * build reports. `loadAddon` never throws: where the file is missing or does
 * not load, it says why, and 'auto' falls back to wasm.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tableMismatch } from '@kiln/backend-wasm';

/** An opaque handle to a Rust thread pool. */
export type PoolHandle = { readonly __pool: unique symbol };

export interface Addon {
  info(): string;
  createPool(threads: number): PoolHandle;
  /** Joins the pool's threads; it runs nothing after. */
  destroyPool(pool: PoolHandle): void;
  run(pool: PoolHandle, kernel: number, args: Float64Array, units: number, grain: number, maxThreads: number): void;
  /** A zero-filled ArrayBuffer of at least `bytes` (a multiple of 64), owned by the addon until free(). */
  alloc(bytes: number): ArrayBuffer;
  address(memory: ArrayBuffer): number;
  free(memory: ArrayBuffer): void;
  /** MPI, opened at run time (src/mpi.ts; rust-kernels/src/native/mpi.rs). */
  mpiOpen(library: string): string;
  mpiInit(): string;
  mpiAllReduce(buf: Float32Array | Float64Array): void;
  mpiReduceScatter(send: Float32Array | Float64Array, recv: Float32Array | Float64Array, counts: Float64Array): void;
  mpiAllGather(buf: Float32Array | Float64Array, counts: Float64Array): void;
  mpiBroadcast(buf: Float32Array | Float64Array | Int32Array | Uint8Array, root: number): void;
  mpiBarrier(): void;
  mpiFinalize(): void;
  mpiAbort(code: number): void;
  mpiSetTimeout(seconds: number): void;
}

export interface AddonInfo {
  /** Kernel names in dispatch-id order, and each one's arguments before `lo, hi` (rust-kernels/src/native/dispatch.rs). */
  kernels: string[];
  arity?: number[];
  /** The instruction set of the matmul micro-kernel, e.g. 'avx512f'. */
  isa: string;
  /** f32 lanes of the other kernels' vectors: 16 (AVX-512), 8 (AVX2+FMA) or 4; KILN_NATIVE_LANES caps it. */
  lanes: number;
  scratchFloats: number;
  arch: string;
  /** CPU features the loader chooses a build by. */
  cpu: string[];
  /** The build: 'x86-64', 'x86-64-v3', or the architecture. */
  build: string;
}

/** The prebuilt file for this platform (glibc Linux gets the -gnu build). */
export function addonFile(platform = process.platform, arch = process.arch, variant = ''): URL {
  const libc = platform === 'linux' ? (isMusl() ? '-musl' : '-gnu') : '';
  return new URL(`../native/kiln-kernels.${platform}-${arch}${libc}${variant}.node`, import.meta.url);
}

function isMusl(): boolean {
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

export type Loaded = { addon: Addon; info: AddonInfo } | { problem: string };

const loaded = new Map<string, Loaded>();

/**
 * The addon for this machine, loaded once per file. KILN_NATIVE_ADDON names
 * another file to load instead (a custom build).
 */
export function loadAddon(): Loaded {
  const override = process.env.KILN_NATIVE_ADDON;
  const key = override ?? '';
  let result = loaded.get(key);
  if (!result) loaded.set(key, (result = override ? loadFile(new URL(`file://${override}`)) : load()));
  return result;
}

function load(): Loaded {
  const portable = loadFile(addonFile());
  if ('problem' in portable || !['avx2', 'fma'].every((f) => portable.info.cpu.includes(f))) return portable;
  const v3 = addonFile(process.platform, process.arch, '.v3');
  return existsSync(v3) ? loadFile(v3) : portable;
}

function loadFile(file: URL): Loaded {
  if (!existsSync(file)) {
    return {
      problem: `no prebuilt addon for ${process.platform}-${process.arch} (${file.pathname}); build one with \`npm run build:native\``,
    };
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(file.pathname) as Addon;
  } catch (err) {
    return { problem: `the addon ${file.pathname} failed to load: ${(err as Error).message}` };
  }
  const info = JSON.parse(addon.info()) as AddonInfo;
  const mismatch = tableMismatch(info.kernels, info.arity);
  if (mismatch) {
    return {
      problem: `the addon ${file.pathname} was built from other kernel sources than this package's (${mismatch}); rebuild it with \`npm run build:native\``,
    };
  }
  return { addon, info };
}
