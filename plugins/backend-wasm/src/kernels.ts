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

/**
 * Every kernel the pool can dispatch, in dispatch-id order: its name, the
 * number of arguments before `lo, hi`, and whether it takes per-thread scratch
 * after them. The one table on this side (rust-kernels/src/native/dispatch.rs
 * is the one on the Rust side): ids, names and arities all come from it, and
 * both backends check it at load, the wasm one against the module's exports
 * (their parameter counts), the native one against the addon's own table.
 */
const TABLE = [
  ['kiln_matmul', 8, 'scratch'],
  ['kiln_bias_backward', 4],
  ['kiln_embedding', 4],
  ['kiln_embedding_backward', 5],
  ['kiln_layernorm', 8],
  ['kiln_layernorm_backward_dx', 7],
  ['kiln_norm_backward_dw', 8],
  ['kiln_rmsnorm', 6],
  ['kiln_rmsnorm_backward_dx', 6],
  ['kiln_attention', 10, 'scratch'],
  ['kiln_attention_backward', 12, 'scratch'],
  ['kiln_rope', 8],
  ['kiln_rope_backward', 8],
  ['kiln_gelu', 2],
  ['kiln_gelu_backward', 3],
  ['kiln_swiglu', 3],
  ['kiln_swiglu_backward', 4],
  ['kiln_add', 3],
  ['kiln_axpy', 3],
  ['kiln_scale', 2],
  ['kiln_cross_entropy', 6],
  ['kiln_cross_entropy_backward', 7],
  ['kiln_sum_squares_partial', 4],
  ['kiln_adamw', 11],
  ['kiln_fill_bytes', 2],
  ['kiln_fill32', 2],
  ['kiln_copy_bytes', 2],
  ['kiln_attention_kv', 11, 'scratch'],
  ['kiln_matmul_q', 11, 'scratch'],
  ['kiln_embedding_q', 7],
  ['kiln_gemv', 8, 'scratch'],
  ['kiln_attention_kv_rows', 11, 'scratch'],
] as const;

export type KernelName = (typeof TABLE)[number][0];
/** Kernel names; the index is the dispatch id. */
export const KERNELS: readonly KernelName[] = TABLE.map(([name]) => name);
/** Arguments of each kernel before `lo, hi`, by dispatch id. */
export const ARITY: readonly number[] = TABLE.map(([, arity]) => arity);
export const K = Object.fromEntries(KERNELS.map((n, i) => [n, i])) as Record<KernelName, number>;

/** Parameters of kernel `id` as compiled: its arguments, `lo, hi`, and scratch when it takes one. */
export function parameterCount(id: number): number {
  const entry: readonly unknown[] = TABLE[id];
  return ARITY[id] + 2 + (entry[2] === 'scratch' ? 1 : 0);
}

/** Why a native kernel table (names and arities by id) differs from this one, or undefined when it matches. */
export function tableMismatch(names: readonly string[], arity: readonly number[] | undefined): string | undefined {
  for (let id = 0; id < Math.max(names.length, KERNELS.length); id++) {
    if (names[id] !== KERNELS[id])
      return `kernel ${id} is ${names[id] ?? 'missing'} there, ${KERNELS[id] ?? 'missing'} here`;
    if (arity?.[id] !== ARITY[id])
      return `${KERNELS[id]} takes ${arity?.[id] ?? '?'} arguments there, ${ARITY[id]} here`;
  }
  return undefined;
}

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
  const fns = KERNELS.map((name, id) => {
    const f = ex[name];
    if (typeof f !== 'function')
      throw new Error(`@kiln/backend-wasm: kernel module lacks ${name}; rebuild it with \`npm run build:kernels\``);
    if (f.length !== parameterCount(id))
      throw new Error(
        `@kiln/backend-wasm: ${name} takes ${f.length} parameters in the kernel module, ${parameterCount(id)} in kernels.ts; rebuild it with \`npm run build:kernels\``,
      );
    return f as KernelFn;
  });
  return { memory, module, fns, heapStart: at, stackTops, scratch, scratchFloats };
}
