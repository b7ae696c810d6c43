/**
 * @kiln/backend-native: Kiln's native CPU backend. The Rust kernels of the
 * wasm backend built for the host (AVX-512 or AVX2+FMA matmul chosen at run
 * time), a Rust thread pool, 64-bit memory.
 *
 *   export default defineConfig({ backend: 'native', backendOptions: { threads: 8 } });
 *
 * Core finds the package on its own; `plugins: [native()]` names it explicitly.
 */
import { availableParallelism, cpus } from 'node:os';
import type { KilnPlugin } from '@kiln/core';
import { z } from 'zod';
import { loadAddon } from './addon.js';
import { NativeBackend } from './native-backend.js';

export { addonFile, loadAddon } from './addon.js';
export type { NativeAllocatorStats } from './allocator.js';
export { type MpiCollectiveOptions, type MpiLibrary, mpiCollective, mpiLibraryCandidates, openMpi } from './mpi.js';
export { NativeBackend, type NativeBackendOptions, NativeBuf } from './native-backend.js';

/** What it reads from the config's `backendOptions`. */
const nativeOptions = z.strictObject({
  /** Threads including the calling one; default every core. */
  threads: z.number().int().min(1).optional(),
});
type NativeOptions = z.output<typeof nativeOptions>;

/** Below WebGPU on a real GPU (100), above wasm (50). */
export const NATIVE_PRIORITY = 75;

function problem(): string | undefined {
  const loaded = loadAddon();
  return 'problem' in loaded ? loaded.problem : undefined;
}

export default function nativeBackend(): KilnPlugin {
  return {
    name: 'kiln:backend-native',
    // Backends take part in no stage's fingerprint (the numbers agree to tolerance); declared all the same.
    cacheKey: {},
    backend: {
      name: 'native',
      priority: NATIVE_PRIORITY,
      async available() {
        return problem() ?? true;
      },
      options: nativeOptions,
      async create(options, ctx) {
        const backend = await NativeBackend.create({ threads: (options as NativeOptions).threads });
        ctx.logger.info(`native backend: ${backend.info.device}`, { threads: backend.info.threads });
        return backend;
      },
      async describe(_ctx, options) {
        const loaded = loadAddon();
        return {
          available: 'problem' in loaded ? loaded.problem : true,
          threads: (options as NativeOptions).threads ?? availableParallelism(),
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
