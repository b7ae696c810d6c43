/**
 * Decode-sized cases: matmul and quantized matmul at every M from 1 to 17
 * (CPU backends run M ≤ 16 through their decode kernels and 17 through the
 * gemm), on odd N and K that cross vector and block edges, both weight
 * layouts, with bias and accumulate; and attention over a KV cache for a
 * batch of rows at their own cache slots and positions.
 *
 * Quantized matmul may round the activations to int8 per 32 values, as
 * llama.cpp's q8_0 does: each output is allowed that rounding's worst case,
 * Σ over 32-value chunks of (max|a| / 254) · Σ|w|, on top of the tolerance.
 */
import { dequantize } from '../reference/kernels/quant.js';
import type { Rng } from '../rng.js';
import { randn } from './cases.js';
import type { HostData, OpCase } from './harness.js';
import { randomBytes, scalesFor } from './inference-cases.js';

/** Values per activation scale when a backend rounds activations (llama.cpp's QK8_0). */
const ACTIVATION_BLOCK = 32;

/** The worst error of rounding a[M,K] to int8 per 32 values, per output of a · dequant(w)ᵀ. */
export function activationRoundingBound(
  a: Float32Array,
  wq: Float32Array,
  M: number,
  N: number,
  K: number,
): Float32Array {
  const bound = new Float32Array(M * N);
  const chunks = Math.ceil(K / ACTIVATION_BLOCK);
  const half = new Float64Array(M * chunks);
  for (let m = 0; m < M; m++)
    for (let c = 0; c < chunks; c++) {
      let amax = 0;
      for (let k = c * ACTIVATION_BLOCK; k < Math.min(K, (c + 1) * ACTIVATION_BLOCK); k++)
        amax = Math.max(amax, Math.abs(a[m * K + k]));
      half[m * chunks + c] = amax / 254;
    }
  for (let n = 0; n < N; n++)
    for (let c = 0; c < chunks; c++) {
      let wsum = 0;
      for (let k = c * ACTIVATION_BLOCK; k < Math.min(K, (c + 1) * ACTIVATION_BLOCK); k++)
        wsum += Math.abs(wq[n * K + k]);
      // 1e-3 on top: the scales' own rounding.
      for (let m = 0; m < M; m++) bound[m * N + n] += half[m * chunks + c] * wsum * 1.001;
    }
  return bound;
}

export function decodeCases(rng: Rng): OpCase[] {
  const out: OpCase[] = [];
  const dense: Array<[number, number]> = [
    [67, 33],
    [129, 97],
    [5, 130],
    [200, 17],
    [1, 1],
    [64, 64],
  ];
  for (let M = 1; M <= 17; M++) {
    const [N, K] = dense[(M - 1) % dense.length];
    for (const transB of [false, true]) {
      const bias = M % 2 === 1;
      const accumulate = M % 3 === 0;
      out.push({
        name: `matmul M=${M} N=${N} K=${K} transB=${transB} bias=${bias} accumulate=${accumulate}`,
        bufs: { out: randn(rng, M * N), a: randn(rng, M * K), b: randn(rng, K * N), bias: randn(rng, N) },
        check: ['out'],
        tol: 'reduce',
        run: (be, b) =>
          be.matmul({ out: b.out, a: b.a, b: b.b, bias: bias ? b.bias : undefined, M, N, K, transB, accumulate }),
      });
    }
  }
  const quantized: Array<[number, number, 4 | 8, number]> = [
    [67, 96, 8, 32],
    [33, 160, 4, 32],
    [129, 256, 8, 64],
    [17, 128, 4, 128],
    [5, 64, 4, 64],
    [70, 32, 8, 32],
    [9, 30, 8, 2],
  ];
  for (let M = 1; M <= 17; M++) {
    const [N, K, bits, group] = quantized[(M - 1) % quantized.length];
    const bias = M % 2 === 0;
    const accumulate = M % 3 === 1;
    const bytes = bits === 8 ? N * K : (N * K) / 2;
    const bufs = {
      out: randn(rng, M * N),
      a: randn(rng, M * K),
      data: randomBytes(rng, bytes, bits),
      scales: scalesFor(rng, (N * K) / group),
      bias: randn(rng, N),
    };
    out.push({
      name: `matmulQ M=${M} N=${N} K=${K} bits=${bits} group=${group} bias=${bias} accumulate=${accumulate}`,
      requires: 'matmulQ',
      bufs,
      check: ['out'],
      tol: 'reduce',
      allowance: (_name, b: Record<string, HostData>) =>
        activationRoundingBound(
          b.a as Float32Array,
          dequantize(b.data as Int8Array, b.scales as Float32Array, N, K, { bits, group }),
          M,
          N,
          K,
        ),
      run: (be, b) =>
        be.matmulQ!({
          out: b.out,
          a: b.a,
          w: { data: b.data, scales: b.scales, bits, group },
          bias: bias ? b.bias : undefined,
          M,
          N,
          K,
          accumulate,
        }),
    });
  }
  const batches: Array<{
    B: number;
    Tmax: number;
    rows: number[];
    positions: number[];
    H: number;
    Hkv: number;
    D: number;
  }> = [
    { B: 1, Tmax: 1, rows: [0], positions: [0], H: 1, Hkv: 1, D: 1 },
    { B: 5, Tmax: 13, rows: [4, 0, 2], positions: [7, 0, 12], H: 4, Hkv: 2, D: 8 },
    { B: 3, Tmax: 70, rows: [1, 2], positions: [69, 33], H: 3, Hkv: 3, D: 5 },
    {
      B: 17,
      Tmax: 9,
      rows: Array.from({ length: 16 }, (_, i) => (i * 5) % 17),
      positions: Array.from({ length: 16 }, (_, i) => (i * 7) % 9),
      H: 6,
      Hkv: 2,
      D: 16,
    },
  ];
  for (const { B, Tmax, rows, positions, H, Hkv, D } of batches) {
    const n = rows.length;
    out.push({
      name: `attentionKVRows n=${n} B=${B} Tmax=${Tmax} H=${H} Hkv=${Hkv} D=${D}`,
      requires: 'attentionKVRows',
      bufs: {
        qkv: randn(rng, n * (H + 2 * Hkv) * D),
        kCache: randn(rng, B * Tmax * Hkv * D),
        vCache: randn(rng, B * Tmax * Hkv * D),
        out: randn(rng, n * H * D),
        rows: Int32Array.from(rows),
        positions: Int32Array.from(positions),
      },
      check: ['out', 'kCache', 'vCache'],
      tol: 'reduce',
      run: (be, b) =>
        be.attentionKVRows!({
          qkv: b.qkv,
          kCache: b.kCache,
          vCache: b.vCache,
          out: b.out,
          rows: b.rows,
          positions: b.positions,
          n,
          B,
          Tmax,
          H,
          Hkv,
          D,
        }),
    });
  }
  return out;
}
