// Addresses at and above 2 GiB come back to JS as negative i32s; the backend
// must treat every address as unsigned. A 2.1 GiB placeholder (never touched,
// so it costs address space, not RAM) pushes the next buffers above 2^31.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmBackend } from '../src/index.js';

describe('wasm backend above 2 GiB', () => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await WasmBackend.create({ threads: 2, skipWarmup: true });
    be.forceThreads = true;
  });
  afterAll(async () => {
    await be?.dispose();
  });

  it('runs ops, id checks and reductions on buffers past 2^31 bytes', async () => {
    const placeholder = be.alloc('i8', 2 ** 31 + 2 ** 27);
    const V = 5,
      C = 4,
      N = 3;
    const table = be.alloc('f32', V * C),
      ids = be.alloc('i32', N),
      out = be.alloc('f32', N * C);
    expect((table as unknown as { ptr: number }).ptr).toBeGreaterThan(2 ** 31);
    be.write(
      table,
      Float32Array.from({ length: V * C }, (_, i) => i),
    );
    be.write(ids, new Int32Array([4, 0, 2]));
    be.embedding(out, table, ids, N, C);
    expect(Array.from((await be.read(out)) as Float32Array)).toEqual([16, 17, 18, 19, 0, 1, 2, 3, 8, 9, 10, 11]);
    const losses = be.alloc('f32', N);
    const targets = be.alloc('i32', N);
    be.write(targets, new Int32Array([3, 0, 2]));
    be.crossEntropy(losses, out, targets, N, C, -100);
    const l = (await be.read(losses)) as Float32Array;
    expect(l.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    const sq = be.alloc('f32', 1);
    be.sumSquares(sq, table, V * C, false);
    expect(((await be.read(sq)) as Float32Array)[0]).toBe(
      Array.from({ length: V * C }, (_, i) => i * i).reduce((a, b) => a + b),
    );
    be.write(ids, new Int32Array([1, 9, 0]));
    expect(() => be.embedding(out, table, ids, N, C)).toThrow(/ids\[1\] = 9 is outside the table's 5 rows/);
    for (const b of [placeholder, table, ids, out, losses, targets, sq]) be.free(b);
  });
});
