// fill and copy run as wasm bulk-memory kernels (split over threads when
// large): every dtype, overlapping copies, and splits at odd sizes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmBackend } from '../src/index.js';

describe('wasm backend fill and copy', () => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await WasmBackend.create({ threads: 3, skipWarmup: true });
    be.forceThreads = true;
  });
  afterAll(async () => {
    await be?.dispose();
  });

  it('fills f32, i32 and i8 views with their exact values, leaving the rest alone', async () => {
    const n = 100_003;
    const f = be.alloc('f32', n + 2);
    be.fill({ buf: f, offset: 1 }, -2.75, n);
    const fr = (await be.read(f)) as Float32Array;
    expect([fr[0], fr[1], fr[n], fr[n + 1]]).toEqual([0, -2.75, -2.75, 0]);
    expect(fr.subarray(1, n + 1).every((v) => v === -2.75)).toBe(true);
    const i = be.alloc('i32', 77);
    be.fill(i, -123456789, 77);
    expect(Array.from(await be.read(i)).every((v) => v === -123456789)).toBe(true);
    const b = be.alloc('i8', 70_001);
    be.fill({ buf: b, offset: 3 }, -5, 70_000 - 3);
    const br = (await be.read(b)) as Int8Array;
    expect([br[2], br[3], br[69_999], br[70_000]]).toEqual([0, -5, -5, 0]);
    for (const x of [f, i, b]) be.free(x);
  });

  it('copies between buffers and within one buffer when the ranges overlap (memmove)', async () => {
    const n = 50_001;
    const data = Float32Array.from({ length: n }, (_, k) => k);
    const a = be.alloc('f32', n),
      c = be.alloc('f32', n);
    be.write(a, data);
    be.copy(c, a, n);
    expect(Array.from((await be.read(c)) as Float32Array)).toEqual(Array.from(data));
    be.copy({ buf: a, offset: 10 }, a, n - 10);
    const shifted = (await be.read(a)) as Float32Array;
    expect(Array.from(shifted.subarray(10))).toEqual(Array.from(data.subarray(0, n - 10)));
    be.free(a);
    be.free(c);
  });

  it('a reused block is cleared even when it is large (threaded clear)', async () => {
    const x = be.alloc('f32', 1 << 20);
    be.fill(x, 3, 1 << 20);
    be.free(x);
    const y = be.alloc('f32', (1 << 20) - 5);
    const r = (await be.read(y)) as Float32Array;
    expect(r.every((v) => v === 0)).toBe(true);
    be.free(y);
  });
});
