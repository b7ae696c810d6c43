/**
 * What this machine's JavaScript engine offers for the backends: shared
 * memory between threads, WebAssembly SIMD and threads (atomics). Each is
 * checked by validating a tiny hand-assembled module, not by version numbers.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';

/** (module (func (result v128) (v128.const i32x4 0 0 0 0))) */
const SIMD_MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // function 0 has type 0
  0x0a,
  0x16,
  0x01,
  0x14,
  0x00,
  0xfd,
  0x0c,
  ...new Array(16).fill(0),
  0x0b, // body: v128.const 0
]);

/** (module (memory 1 1 shared) (func (result i32) (i32.atomic.load (i32.const 0)))) */
const THREADS_MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7f, // type: () -> i32
  0x03,
  0x02,
  0x01,
  0x00,
  0x05,
  0x04,
  0x01,
  0x03,
  0x01,
  0x01, // memory: shared, min 1, max 1
  0x0a,
  0x0a,
  0x01,
  0x08,
  0x00,
  0x41,
  0x00,
  0xfe,
  0x10,
  0x02,
  0x00,
  0x0b, // i32.atomic.load
]);

/** The slice of the WebAssembly API used here (TypeScript's ES libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface MachineReport {
  node: string;
  platform: string;
  cpu: { model: string; cores: number; availableParallelism: number };
  memoryGiB: number;
  sharedArrayBuffer: boolean;
  wasmSimd: boolean;
  wasmThreads: boolean;
}

function sharedMemoryWorks(): boolean {
  try {
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    return memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export function checkMachine(): MachineReport {
  const list = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: {
      model: list[0]?.model.trim() ?? 'unknown',
      cores: list.length,
      availableParallelism: availableParallelism(),
    },
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    wasmSimd: wasm.validate(SIMD_MODULE),
    wasmThreads: wasm.validate(THREADS_MODULE) && sharedMemoryWorks(),
  };
}
