import { type Buf, createRng, dequantize, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const be = new ReferenceBackend();
const randn = (n: number, seed: number) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};
const put = (data: Float32Array | Int32Array | Int8Array): Buf => {
  const dtype = data instanceof Int32Array ? 'i32' : data instanceof Int8Array ? 'i8' : 'f32';
  const b = be.alloc(dtype, data.length);
  be.write(b, data);
  return b;
};
const get = async (b: Buf) => Array.from((await be.read(b)) as Float32Array);

describe('attentionKV (reference)', () => {
  const [B, T, H, Hkv, D] = [2, 6, 4, 2, 3];
  const W = (H + 2 * Hkv) * D;
  const qkv = randn(B * T * W, 1);

  it('prefill equals causal attention, and decoding token by token gives the same rows', async () => {
    const want = be.alloc('f32', B * T * H * D);
    be.attention({ qkv: put(qkv), out: want, lse: be.alloc('f32', B * H * T), B, T, H, Hkv, D, causal: true });
    const Tmax = T + 2;
    const kCache = be.alloc('f32', B * Tmax * Hkv * D);
    const vCache = be.alloc('f32', B * Tmax * Hkv * D);
    const prefill = be.alloc('f32', B * T * H * D);
    be.attentionKV({ qkv: put(qkv), kCache, vCache, out: prefill, B, Tq: T, Tmax, pos: 0, H, Hkv, D });
    const ref = await get(want);
    (await get(prefill)).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));

    // One token at a time, batch row by batch row (B=1 each), through a fresh cache.
    for (let b = 0; b < B; b++) {
      const k1 = be.alloc('f32', Tmax * Hkv * D);
      const v1 = be.alloc('f32', Tmax * Hkv * D);
      for (let t = 0; t < T; t++) {
        const row = qkv.slice((b * T + t) * W, (b * T + t + 1) * W);
        const o = be.alloc('f32', H * D);
        be.attentionKV({ qkv: put(row), kCache: k1, vCache: v1, out: o, B: 1, Tq: 1, Tmax, pos: t, H, Hkv, D });
        const got = await get(o);
        got.forEach((v, i) => expect(v).toBeCloseTo(ref[(b * T + t) * H * D + i], 5));
      }
      // The cache holds exactly the keys of the prefix; rows past it are untouched zeros.
      const keys = await get(k1);
      expect(keys.slice(T * Hkv * D).every((v) => v === 0)).toBe(true);
      expect(keys[0]).toBeCloseTo(qkv[b * T * W + H * D], 6);
    }
  });

  it('refuses a write past the end of the cache', () => {
    const k = be.alloc('f32', 4 * Hkv * D);
    expect(() =>
      be.attentionKV({
        qkv: put(qkv.slice(0, 2 * W)),
        kCache: k,
        vCache: k,
        out: be.alloc('f32', 2 * H * D),
        B: 1,
        Tq: 2,
        Tmax: 4,
        pos: 3,
        H,
        Hkv,
        D,
      }),
    ).toThrow(/exceeds the cache/);
  });
});

describe('quantized weights (reference)', () => {
  it('int4 nibbles: element 2j low, 2j+1 high, stored as q + 8 (hand-checked)', () => {
    // Row [q0..q3] = [-8, 7, 0, -1], scale 0.5: bytes (7<<4 | 0) and (7<<4 | 8).
    const data = new Int8Array([(15 << 4) | 0, (7 << 4) | 8].map((b) => (b << 24) >> 24));
    expect(Array.from(dequantize(data, new Float32Array([0.5]), 1, 4, { bits: 4, group: 4 }))).toEqual([
      -4, 3.5, 0, -0.5,
    ]);
  });

  it('matmulQ equals a plain matmul against the dequantized weight (int8 and int4, bias, accumulate)', async () => {
    const [M, N, K] = [3, 5, 64];
    const rng = createRng(3);
    for (const [bits, group] of [
      [8, 32],
      [4, 16],
    ] as const) {
      const data = Int8Array.from({ length: bits === 8 ? N * K : (N * K) / 2 }, () => rng.int(255) - 127);
      const scales = Float32Array.from({ length: (N * K) / group }, () => 0.01 + rng.next() * 0.1);
      const a = randn(M * K, 4);
      const bias = randn(N, 5);
      const start = randn(M * N, 6);
      const want = put(start);
      be.matmul({
        out: want,
        a: put(a),
        b: put(dequantize(data, scales, N, K, { bits, group })),
        bias: put(bias),
        M,
        N,
        K,
        transB: true,
        accumulate: true,
      });
      const got = put(start);
      be.matmulQ({
        out: got,
        a: put(a),
        w: { data: put(data), scales: put(scales), bits, group },
        bias: put(bias),
        M,
        N,
        K,
        accumulate: true,
      });
      const ref = await get(want);
      (await get(got)).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    }
  });

  it('embeddingQ returns dequantized rows; bad group sizes are refused', async () => {
    const data = Int8Array.from([1, 2, 3, 4, -1, -2, -3, -4]);
    const scales = new Float32Array([1, 10, 2, 20]);
    const out = be.alloc('f32', 4);
    be.embeddingQ(out, { data: put(data), scales: put(scales), bits: 8, group: 2 }, put(new Int32Array([1])), 1, 4);
    expect(await get(out)).toEqual([-2, -4, -60, -80]);
    expect(() =>
      be.embeddingQ(out, { data: put(data), scales: put(scales), bits: 8, group: 3 }, put(new Int32Array([0])), 1, 4),
    ).toThrow(/group/);
  });
});
