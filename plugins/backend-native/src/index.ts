/**
 * @kiln/backend-native: Kiln's native CPU backend. The Rust kernels of the
 * wasm backend built for the host (AVX-512 or AVX2+FMA matmul chosen at run
 * time), a Rust thread pool, 64-bit memory.
 *
 *   import native from '@kiln/backend-native';
 *   export default defineConfig({ plugins: [native({ threads: 8 })], backend: 'native' });
 */
import { availableParallelism, cpus } from 'node:os';
import { type KilnPlugin, optionsCacheKey } from '@kiln/core';
import { loadAddon } from './addon.js';
import { NativeBackend } from './native-backend.js';

export { addonFile, loadAddon } from './addon.js';
export type { NativeAllocatorStats } from './allocator.js';
export { type MpiCollectiveOptions, type MpiLibrary, mpiCollective, mpiLibraryCandidates, openMpi } from './mpi.js';
export { NativeBackend, type NativeBackendOptions, NativeBuf } from './native-backend.js';

export interface NativePluginOptions {
  /** Threads including the calling one; default every core. `backendOptions.threads` overrides it. */
  threads?: number;
}

/** Below WebGPU on a real GPU (100), above wasm (50). */
export const NATIVE_PRIORITY = 75;

function problem(): string | undefined {
  const loaded = loadAddon();
  return 'problem' in loaded ? loaded.problem : undefined;
}

export default function nativeBackend(options: NativePluginOptions = {}): KilnPlugin {
  return {
    name: 'kiln:backend-native',
    // Backends take part in no stage's fingerprint (the numbers agree to tolerance); declared all the same.
    cacheKey: optionsCacheKey(options),
    backend: {
      name: 'native',
      priority: NATIVE_PRIORITY,
      async available() {
        return problem() ?? true;
      },
      async create(backendOptions, ctx) {
        const threads = (backendOptions.threads as number | undefined) ?? options.threads;
        const backend = await NativeBackend.create({ threads });
        ctx.logger.info(`native backend: ${backend.info.device}`, { threads: backend.info.threads });
        return backend;
      },
      async describe() {
        const loaded = loadAddon();
        return {
          available: 'problem' in loaded ? loaded.problem : true,
          threads: options.threads ?? availableParallelism(),
          cpu: cpus()[0]?.model?.trim() ?? 'unknown',
          matmul: 'problem' in loaded ? 'no' : loaded.info.isa,
          lanes: 'problem' in loaded ? 0 : loaded.info.lanes,
          build: 'problem' in loaded ? 'none' : loaded.info.build,
          cpuFeatures: 'problem' in loaded ? '' : loaded.info.cpu.join(' '),
          maxMemory: '64-bit (system RAM)',
        };
      },
    },
  };
}
