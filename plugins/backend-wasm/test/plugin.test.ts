// The plugin object: provider name and priority, availability on this Node,
// doctor lines, and a backend created through the provider.
import { describe, expect, it } from 'vitest';
import wasmBackend, { WasmBackend } from '../src/index.js';

const logged: string[] = [];
const ctx = { logger: { info: (m: string) => logged.push(m), debug() {}, warn() {}, error() {} } } as never;

describe('kiln:backend-wasm plugin', () => {
  it('provides the wasm backend at priority 50, available on Node 20', async () => {
    const plugin = wasmBackend();
    expect(plugin.name).toBe('kiln:backend-wasm');
    expect(plugin.backend?.name).toBe('wasm');
    expect(plugin.backend?.priority).toBe(50);
    expect(await plugin.backend!.available(ctx, {})).toBe(true);
    const lines = await plugin.backend!.describe!(ctx, { threads: 2 });
    expect(lines).toMatchObject({ threads: 2, simd: 'wasm simd128', maxMemory: '4 GiB (wasm32)' });
  });

  it('creates a WasmBackend with the thread count backendOptions ask for', async () => {
    const be = await wasmBackend().backend!.create({ threads: 2 }, ctx);
    expect(be).toBeInstanceOf(WasmBackend);
    expect(be.info).toMatchObject({ name: 'wasm', threads: 2, simd: true });
    expect(logged.some((l) => l.includes('2 threads'))).toBe(true);
    await be.dispose();
  });

  it('a dispatch right after create() reaches the workers (no lost first wake-up)', async () => {
    // Regression: a worker that read the generation counter after saying
    // 'ready' could miss a dispatch sent at once, and the op hung forever.
    const first = await WasmBackend.create({ threads: 1 });
    for (let i = 0; i < 3; i++) {
      const be = await WasmBackend.create({ threads: 2, skipWarmup: true });
      be.forceThreads = true;
      const x = be.alloc('f32', 4096);
      be.fill(x, 1, 4096);
      be.scale(x, 3, 4096);
      expect(((await be.read(x, 4095, 1)) as Float32Array)[0]).toBe(3);
      await be.dispose();
    }
    await first.dispose();
  });

  it('refuses a bad thread count, foreign buffers and out-of-range ids with clear errors', async () => {
    await expect(WasmBackend.create({ threads: 0 })).rejects.toThrow(/threads must be an integer/);
    const be = await WasmBackend.create({ threads: 1, skipWarmup: true });
    const other = await WasmBackend.create({ threads: 1, skipWarmup: true });
    const a = be.alloc('f32', 4);
    const b = other.alloc('f32', 4);
    expect(() => be.add(a, a, b, 4)).toThrow(/add: b is a buffer of backend 'wasm', not of this wasm backend/);
    expect(() => be.add(a, a, a, 5)).toThrow(/add: out: elements \[0, 0\+5\) are outside its 4 elements/);
    const table = be.alloc('f32', 8);
    const ids = be.alloc('i32', 2);
    be.write(ids, new Int32Array([1, 4]));
    expect(() => be.embedding(a, table, ids, 2, 2)).toThrow(/embedding: ids\[1\] = 4 is outside the table's 4 rows/);
    be.free(a);
    expect(() => be.scale(a, 2, 4)).toThrow(/used after free/);
    await be.dispose();
    await other.dispose();
  });
});
