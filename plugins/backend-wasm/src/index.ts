/**
 * @kiln/backend-wasm: Kiln's CPU backend. Rust kernels (rust-kernels/)
 * compiled to wasm32 SIMD, on every core through worker threads sharing one
 * WebAssembly.Memory.
 *
 *   export default defineConfig({ backend: 'wasm', backendOptions: { threads: 4 } });
 *
 * Core finds the package on its own; `plugins: [wasm()]` names it explicitly.
 */

import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { KilnPlugin } from '@kiln/core';
import { z } from 'zod';
import { WASM_URL } from './kernels.js';
import { WasmBackend } from './wasm-backend.js';

export { type AllocatorStats, OutOfMemoryError } from './allocator.js';
export { WasmBackend, type WasmBackendOptions } from './wasm-backend.js';

/** What it reads from the config's `backendOptions`. */
const wasmOptions = z.strictObject({
  /** Threads including the main one; default every core. */
  threads: z.number().int().min(1).optional(),
});
type WasmOptions = z.output<typeof wasmOptions>;

// The smallest module using a SIMD instruction (i32x4.splat) with shared memory:
// validates only where the engine has both simd128 and threads.
const FEATURE_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 2, 9, 1, 1, 109, 1, 109, 2, 3, 1, 1, 3, 2, 1, 0, 10, 8, 1, 6, 0,
  65, 0, 253, 17, 11,
]);

function featureProblem(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  try {
    if (!WebAssembly.validate(FEATURE_PROBE)) return 'this JavaScript engine lacks WebAssembly SIMD or threads';
  } catch {
    return 'this JavaScript engine lacks WebAssembly SIMD or threads';
  }
  if (!existsSync(WASM_URL))
    return `the kernel module is missing (${WASM_URL.pathname}); run \`npm run build:kernels\``;
  return undefined;
}

export default function wasmBackend(): KilnPlugin {
  return {
    name: 'kiln:backend-wasm',
    // Backends take part in no stage's fingerprint (the numbers agree to tolerance); declared all the same.
    cacheKey: {},
    backend: {
      name: 'wasm',
      priority: 50,
      async available() {
        return featureProblem() ?? true;
      },
      options: wasmOptions,
      async create(options, ctx) {
        const backend = await WasmBackend.create({ threads: (options as WasmOptions).threads });
        ctx.logger.info(`wasm backend: ${backend.info.device}`, { threads: backend.info.threads });
        return backend;
      },
      async describe(_ctx, options) {
        const problem = featureProblem();
        return {
          available: problem ?? true,
          threads: (options as WasmOptions).threads ?? availableParallelism(),
          cpu: cpus()[0]?.model?.trim() ?? 'unknown',
          simd: problem ? 'no' : 'wasm simd128',
          sharedMemory: typeof SharedArrayBuffer !== 'undefined',
          maxMemory: '4 GiB (wasm32)',
        };
      },
    },
  };
}

export { sizeClass } from './allocator.js';
export { BYTES, KernelBuf, parts, typedView } from './buffer.js';
// For other backends on the same kernels (@kiln/backend-native).
export { type HostArray, KernelBackend } from './kernel-backend.js';
export { ARITY, ATTENTION_MAX_T, K, KERNELS, type KernelName, tableMismatch } from './kernels.js';
export { warmUp } from './warmup.js';
