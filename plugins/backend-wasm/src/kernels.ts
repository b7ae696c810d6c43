/**
 * Loading the kernel module (built from rust-kernels/ by
 * `npm run build:kernels`) and laying out the shared memory:
 *
 *   [0, heapBase)          the module's static data and the main stack
 *   worker stacks          STACK_BYTES per worker
 *   scratch                SCRATCH per thread (matmul packing, attention row)
 *   heap                   tensors, from the caching allocator
 */
import { readFileSync } from 'node:fs';
import type { KernelFn } from './pool.js';

/** Every kernel the pool can dispatch; indices are the dispatch ids. */
export const KERNELS = [
  'kiln_matmul',
  'kiln_bias_backward',
  'kiln_embedding',
  'kiln_embedding_backward',
  'kiln_layernorm',
  'kiln_layernorm_backward_dx',
  'kiln_norm_backward_dw',
  'kiln_rmsnorm',
  'kiln_rmsnorm_backward_dx',
  'kiln_attention',
  'kiln_attention_backward',
  'kiln_rope',
  'kiln_rope_backward',
  'kiln_gelu',
  'kiln_gelu_backward',
  'kiln_swiglu',
  'kiln_swiglu_backward',
  'kiln_add',
  'kiln_axpy',
  'kiln_scale',
  'kiln_cross_entropy',
  'kiln_cross_entropy_backward',
  'kiln_sum_squares_partial',
  'kiln_adamw',
  'kiln_fill_bytes',
  'kiln_fill32',
  'kiln_copy_bytes',
  'kiln_attention_kv',
  'kiln_matmul_q',
  'kiln_embedding_q',
] as const;
export type KernelName = (typeof KERNELS)[number];
export const K = Object.fromEntries(KERNELS.map((n, i) => [n, i])) as Record<KernelName, number>;

const STACK_BYTES = 1 << 20;
/** Extra scratch floats beyond matmul's packing, for attention score blocks and dequantized weight blocks (BLOCK_SCRATCH in rust-kernels/src/lib.rs); also the longest T. */
export const ATTENTION_MAX_T = 1 << 16;

export const WASM_URL = new URL('../wasm/kiln-kernels.wasm', import.meta.url);

let compiled: Promise<WebAssembly.Module> | undefined;

/** Compiles the module once per process (workers receive the compiled module). */
export function compileKernels(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_URL);
    } catch (err) {
      throw new Error(
        `@kiln/backend-wasm: cannot read the kernel module ${WASM_URL.pathname} (${(err as Error).message}). ` +
          'Reinstall the package, or rebuild it with `npm run build:kernels`.',
      );
    }
    return WebAssembly.compile(bytes);
  })();
  return compiled;
}

export interface KernelInstance {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  fns: KernelFn[];
  /** Byte address where tensors may start. */
  heapStart: number;
  stackTops: number[];
  scratch: number[];
  scratchFloats: number;
}

export async function instantiateKernels(threads: number): Promise<KernelInstance> {
  const module = await compileKernels();
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  // The main thread instantiates first: it runs the data-segment initialiser.
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const ex = instance.exports as Record<string, unknown>;
  const heapBase = (ex.__heap_base as WebAssembly.Global).value as number;
  const scratchFloats = (ex.kiln_matmul_scratch_floats as () => number)() + ATTENTION_MAX_T;
  let at = Math.ceil(heapBase / 64) * 64;
  const stackTops = [0];
  for (let i = 1; i < threads; i++) {
    at += STACK_BYTES;
    stackTops.push(at);
  }
  const scratch: number[] = [];
  for (let i = 0; i < threads; i++) {
    scratch.push(at);
    at += scratchFloats * 4;
  }
  const need = at - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  const fns = KERNELS.map((name) => {
    const f = ex[name];
    if (typeof f !== 'function')
      throw new Error(`@kiln/backend-wasm: kernel module lacks ${name}; rebuild it with \`npm run build:kernels\``);
    return f as KernelFn;
  });
  return { memory, module, fns, heapStart: at, stackTops, scratch, scratchFloats };
}
