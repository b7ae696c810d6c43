// The decode kernels of the native backend beyond the shared conformance suite:
// - quantized matmul at M ≤ 16 computes what llama.cpp's q8_0 × q8_0 and q4 × q8_0
//   kernels compute (activations rounded to int8 per 32 values, integer dot
//   products, scaled), checked against that arithmetic written out here, tightly
//   enough that dequantize-then-multiply would fail;
// - every row's result is the same bits at M = 1 and inside a batch of up to 16,
//   on 1 thread and split over 3 (so a sequence decodes alike alone or batched).
import { createRng, dequantize } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeBackend } from '../src/index.js';

const rng = createRng(24);
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** The nearest integer, ties to even (what the kernels' conversion does). */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * out[m,n] = Σ over 32-value chunks of isum · d_a · s_w, isum the exact integer dot of the
 * rounded activations with the weight levels: llama.cpp's q8_0 scheme, in f64. Also returns
 * Σ|terms| per output, the scale of the float error the kernels may add.
 */
function q8Reference(
  a: Float32Array,
  data: Int8Array,
  scales: Float32Array,
  M: number,
  N: number,
  K: number,
  bits: 4 | 8,
  group: number,
) {
  const f = Math.fround;
  const chunks = K / 32;
  const qa = new Int32Array(M * K);
  const da = new Float64Array(M * chunks);
  for (let c = 0; c < M * chunks; c++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(a[c * 32 + i]));
    const inv = amax > 0 ? f(127 / amax) : 0;
    da[c] = f(amax / 127);
    for (let i = 0; i < 32; i++) qa[c * 32 + i] = Math.max(-127, Math.min(127, roundEven(f(a[c * 32 + i] * inv))));
  }
  const level = (n: number, k: number) => {
    if (bits === 8) return data[n * K + k];
    const byte = data[(n * K + k) >> 1] & 0xff;
    return (k % 2 === 0 ? byte & 15 : byte >> 4) - 8;
  };
  const out = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++)
      for (let c = 0; c < chunks; c++) {
        let isum = 0;
        for (let i = 0; i < 32; i++) isum += qa[m * K + c * 32 + i] * level(n, c * 32 + i);
        const term = isum * da[m * chunks + c] * scales[n * (K / group) + Math.floor((c * 32) / group)];
        out[m * N + n] += term;
        scale[m * N + n] += Math.abs(term);
      }
  return { out, scale };
}

function quantizedWeight(N: number, K: number, bits: 4 | 8) {
  const bytes = bits === 8 ? N * K : (N * K) / 2;
  const data = Int8Array.from({ length: bytes }, () => (bits === 8 ? rng.int(255) - 127 : rng.int(256) - 128));
  return data;
}

describe('native decode kernels', () => {
  let one: NativeBackend;
  let three: NativeBackend;
  beforeAll(async () => {
    one = await NativeBackend.create({ threads: 1 });
    three = await NativeBackend.create({ threads: 3 });
    three.forceThreads = true;
  });
  afterAll(async () => {
    await one.dispose();
    await three.dispose();
  });

  async function matmulQ(
    be: NativeBackend,
    a: Float32Array,
    data: Int8Array,
    scales: Float32Array,
    M: number,
    N: number,
    K: number,
    bits: 4 | 8,
    group: number,
  ) {
    const [ba, bd, bs, bo] = [
      be.alloc('f32', M * K),
      be.alloc('i8', data.length),
      be.alloc('f32', scales.length),
      be.alloc('f32', M * N),
    ];
    be.write(ba, a);
    be.write(bd, data);
    be.write(bs, scales);
    be.matmulQ({ out: bo, a: ba, w: { data: bd, scales: bs, bits, group }, M, N, K });
    const out = (await be.read(bo)) as Float32Array;
    for (const b of [ba, bd, bs, bo]) be.free(b);
    return out;
  }

  for (const [N, K, bits, group] of [
    [67, 96, 8, 32],
    [33, 160, 4, 32],
    [19, 256, 8, 64],
    [17, 128, 4, 128],
  ] as const) {
    it(`matmulQ int${bits} group ${group}, N=${N} K=${K}, M = 1…16: llama.cpp's q8_0 arithmetic, not dequantize-then-multiply`, async () => {
      const data = quantizedWeight(N, K, bits);
      const scales = Float32Array.from({ length: (N * K) / group }, () => 0.001 + rng.next() * 0.05);
      for (let M = 1; M <= 16; M++) {
        const a = randn(M * K);
        const got = await matmulQ(one, a, data, scales, M, N, K, bits, group);
        const { out: want, scale } = q8Reference(a, data, scales, M, N, K, bits, group);
        const w = dequantize(data, scales, N, K, { bits, group });
        let worst = 0;
        let f32Gap = 0;
        for (let i = 0; i < M * N; i++) {
          worst = Math.max(worst, Math.abs(got[i] - want[i]) / (scale[i] + 1e-30));
          // How far the f32 product (no rounding of the activations) is from the q8 one.
          let exact = 0;
          const [m, n] = [Math.floor(i / N), i % N];
          for (let k = 0; k < K; k++) exact += a[m * K + k] * w[n * K + k];
          f32Gap = Math.max(f32Gap, Math.abs(exact - want[i]) / (scale[i] + 1e-30));
        }
        expect(worst, `M=${M}: relative to Σ|terms|`).toBeLessThan(2e-6);
        // The test can tell the two apart: the f32 product is far outside that tolerance.
        expect(f32Gap, `M=${M}`).toBeGreaterThan(1e-4);
      }
    });
  }

  it('each row is the same bits alone and in a batch of up to 16, on 1 thread and on 3 (matmul both layouts, matmulQ int8 and int4)', async () => {
    const [N, K] = [131, 192];
    const rows = 16;
    const a = randn(rows * K);
    const w = randn(N * K);
    const bias = randn(N);
    const data8 = quantizedWeight(N, K, 8);
    const data4 = quantizedWeight(N, K, 4);
    const scales = Float32Array.from({ length: (N * K) / 32 }, () => 0.001 + rng.next() * 0.05);
    const firstAlone = new Map<string, Float32Array[]>();
    const sameAsAlone = (what: string, alone: Float32Array[], batched: Float32Array[]) => {
      for (let M = 2; M <= rows; M++)
        for (let r = 0; r < M; r++)
          expect(batched[M - 1].subarray(r * N, (r + 1) * N), `${what} M=${M} row ${r}`).toEqual(alone[r]);
      // And the same bits on 1 thread and on 3.
      const before = firstAlone.get(what);
      if (before) expect(alone, `${what}: 1 thread vs 3`).toEqual(before);
      else firstAlone.set(what, alone);
    };
    for (const be of [one, three]) {
      const [ba, bw, bb, bo] = [
        be.alloc('f32', rows * K),
        be.alloc('f32', N * K),
        be.alloc('f32', N),
        be.alloc('f32', rows * N),
      ];
      be.write(ba, a);
      be.write(bw, w);
      be.write(bb, bias);
      for (const transB of [false, true]) {
        const alone: Float32Array[] = [];
        for (let r = 0; r < rows; r++) {
          be.matmul({ out: bo, a: { buf: ba, offset: r * K }, b: bw, bias: bb, M: 1, N, K, transB });
          alone.push((await be.read(bo, 0, N)) as Float32Array);
        }
        const batched: Float32Array[] = [];
        for (let M = 1; M <= rows; M++) {
          be.matmul({ out: bo, a: ba, b: bw, bias: bb, M, N, K, transB });
          batched.push((await be.read(bo, 0, M * N)) as Float32Array);
        }
        sameAsAlone(`matmul transB=${transB}`, alone, batched);
      }
      for (const b of [ba, bw, bb, bo]) be.free(b);
      for (const [bits, data] of [
        [8, data8],
        [4, data4],
      ] as const) {
        const alone: Float32Array[] = [];
        for (let r = 0; r < rows; r++)
          alone.push(await matmulQ(be, a.subarray(r * K, (r + 1) * K), data, scales, 1, N, K, bits, 32));
        const batched: Float32Array[] = [];
        for (let M = 1; M <= rows; M++)
          batched.push(await matmulQ(be, a.subarray(0, M * K), data, scales, M, N, K, bits, 32));
        sameAsAlone(`matmulQ int${bits}`, alone, batched);
      }
    }
  });
});
