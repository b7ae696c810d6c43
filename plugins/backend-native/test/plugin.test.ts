// The plugin: provider name and priority (between WebGPU and wasm), what
// doctor shows, a backend created through the provider, and a clear reason
// (for 'auto' to pass it over) when the addon cannot be loaded.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import nativeBackend, { NativeBackend } from '../src/index.js';

const logged: string[] = [];
const ctx = { logger: { info: (m: string) => logged.push(m), debug() {}, warn() {}, error() {} } } as never;

describe('kiln:backend-native plugin', () => {
  afterEach(() => {
    delete process.env.KILN_NATIVE_ADDON;
  });

  it('provides the native backend at priority 75 with its ISA, build and CPU features', async () => {
    const plugin = nativeBackend();
    expect(plugin.name).toBe('kiln:backend-native');
    expect(plugin.backend).toMatchObject({ name: 'native', priority: 75 });
    expect(await plugin.backend!.available(ctx, {})).toBe(true);
    const lines = await plugin.backend!.describe!(ctx, { threads: 2 });
    expect(lines).toMatchObject({ threads: 2, maxMemory: '64-bit (system RAM)' });
    expect(String(lines.matmul)).toMatch(/avx512f|avx2|sse2|4-lane/);
    expect([4, 8, 16]).toContain(lines.lanes);
    if (process.arch === 'x64') expect(lines.build).toMatch(/^x86-64/);
  });

  it('creates a NativeBackend with the thread count backendOptions ask for', async () => {
    const be = await nativeBackend().backend!.create({ threads: 2 }, ctx);
    expect(be).toBeInstanceOf(NativeBackend);
    expect(be.info).toMatchObject({ name: 'native', threads: 2 });
    expect(logged.some((l) => l.includes('2 threads'))).toBe(true);
    await be.dispose();
    expect(() => be.alloc('f32', 4)).toThrow(/used after dispose/);
  });

  it('an addon that does not load makes the backend unavailable, with the file and the reason', async () => {
    const bogus = join(tmpdir(), `kiln-not-an-addon-${process.pid}.node`);
    writeFileSync(bogus, 'not a shared object');
    process.env.KILN_NATIVE_ADDON = bogus;
    const why = await nativeBackend().backend!.available(ctx, {});
    expect(why).toMatch(new RegExp(`the addon .*kiln-not-an-addon-${process.pid}\\.node failed to load`));
    await expect(NativeBackend.create()).rejects.toThrow(/@kiln\/backend-native: the addon .* failed to load/);
  });

  it('checks its arguments like every backend: foreign buffers, bounds, use after free', async () => {
    const be = await NativeBackend.create({ threads: 2 });
    const other = await NativeBackend.create({ threads: 1 });
    const a = be.alloc('f32', 4),
      b = other.alloc('f32', 4);
    expect(() => be.add(a, a, b, 4)).toThrow(/add: b is a buffer of backend 'native', not of this native backend/);
    expect(() => be.add(a, a, a, 5)).toThrow(/add: out: elements \[0, 0\+5\) are outside its 4 elements/);
    const table = be.alloc('f32', 8),
      ids = be.alloc('i32', 2);
    be.write(ids, new Int32Array([1, 4]));
    expect(() => be.embedding(a, table, ids, 2, 2)).toThrow(/embedding: ids\[1\] = 4 is outside the table's 4 rows/);
    be.free(a);
    expect(() => be.scale(a, 2, 4)).toThrow(/used after free/);
    expect(() => be.free(a)).toThrow(/freed twice/);
    await be.dispose();
    await other.dispose();
  });
});
