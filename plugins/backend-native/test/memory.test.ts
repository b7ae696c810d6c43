// 64-bit memory: buffers past wasm32's 4 GiB in total, addressed, written
// and read through ops; one buffer over Node's ArrayBuffer limit is refused
// clearly. Reused blocks come back zero-filled.
import { describe, expect, it } from 'vitest';
import { MAX_BUFFER_BYTES } from '../src/allocator.js';
import { NativeBackend } from '../src/index.js';

describe('native backend memory', () => {
  it('holds more than the 4 GiB of wasm32 and runs ops on buffers above it', async () => {
    const be = await NativeBackend.create({ threads: 2 });
    be.forceThreads = true;
    // 3 × 2 GiB of f32 in zero pages from the system: only what ops touch costs RAM.
    const n = 2 ** 29;
    const bufs = [be.alloc('f32', n), be.alloc('f32', n), be.alloc('f32', n)];
    expect(be.memoryStats().inUse).toBeGreaterThanOrEqual(6 * 2 ** 30);
    const [x, , y] = bufs;
    const xs = { buf: x, offset: n - 4096 },
      ys = { buf: y, offset: n - 4096 };
    be.fill(xs, 2, 4096);
    be.copy(ys, xs, 4096);
    be.axpy(ys, xs, 0.5, 4096);
    expect(((await be.read(y, n - 4096, 4096)) as Float32Array).every((v) => v === 3)).toBe(true);
    expect(((await be.read(y, 0, 4)) as Float32Array).every((v) => v === 0)).toBe(true);
    for (const b of bufs) be.free(b);
    await be.dispose();
  });

  it('refuses one buffer over the ArrayBuffer limit with the size and the limit, before allocating', async () => {
    const be = await NativeBackend.create({ threads: 1 });
    expect(() => be.alloc('f32', (MAX_BUFFER_BYTES + 4) / 4)).toThrow(
      /a single buffer of .* GiB is over this Node's .* ArrayBuffer limit/,
    );
    await be.dispose();
  });

  it('reuses freed blocks of the same size class, zero-filled', async () => {
    const be = await NativeBackend.create({ threads: 1 });
    const a = be.alloc('f32', 1000);
    be.fill(a, 7, 1000);
    be.free(a);
    const fresh = be.memoryStats().freshBlocks;
    const b = be.alloc('f32', 990);
    expect(be.memoryStats().freshBlocks).toBe(fresh);
    expect(((await be.read(b)) as Float32Array).every((x) => x === 0)).toBe(true);
    await be.dispose();
  });
});
