/**
 * Cases for the optional inference ops: attention over a KV cache (prefill,
 * one-token decode, a chunk in the middle) and matmul / embedding lookup on
 * int8 and packed int4 group-quantized weights.
 */
import { dequantize } from '../reference/kernels/quant.js';
import type { Rng } from '../rng.js';
import { randn } from './cases.js';
import { activationRoundingBound } from './decode-cases.js';
import type { OpCase } from './harness.js';
import type { ShapeSet } from './shapes.js';

export function randomBytes(rng: Rng, n: number, bits: 4 | 8): Int8Array {
  const a = new Int8Array(n);
  // int8 weights are symmetric in [-127, 127]; int4 bytes hold two nibbles, every byte is valid.
  for (let i = 0; i < n; i++) a[i] = bits === 8 ? rng.int(255) - 127 : rng.int(256) - 128;
  return a;
}

export function scalesFor(rng: Rng, n: number): Float32Array {
  return new Float32Array(n).map(() => 0.001 + rng.next() * 0.05);
}

function roundUp(k: number, group: number): number {
  return Math.max(group, Math.ceil(k / group) * group);
}

export function inferenceCases(rng: Rng, s: ShapeSet): OpCase[] {
  const out: OpCase[] = [];
  for (const [B, T, H, Hkv, D] of s.attention) {
    const W = (H + 2 * Hkv) * D;
    const Tmax = T + 3;
    const variants = [
      { label: 'prefill', pos: 0, Tq: T },
      { label: 'decode', pos: T, Tq: 1 },
      { label: 'chunk', pos: Math.floor(T / 2), Tq: T - Math.floor(T / 2) },
    ];
    for (const { label, pos, Tq } of variants) {
      if (Tq < 1) continue;
      out.push({
        name: `attentionKV B=${B} Tq=${Tq} pos=${pos} Tmax=${Tmax} H=${H} Hkv=${Hkv} D=${D} ${label}`,
        requires: 'attentionKV',
        bufs: {
          qkv: randn(rng, B * Tq * W),
          kCache: randn(rng, B * Tmax * Hkv * D),
          vCache: randn(rng, B * Tmax * Hkv * D),
          out: randn(rng, B * Tq * H * D),
        },
        check: ['out', 'kCache', 'vCache'],
        tol: 'reduce',
        run: (be, b) =>
          be.attentionKV!({ qkv: b.qkv, kCache: b.kCache, vCache: b.vCache, out: b.out, B, Tq, Tmax, pos, H, Hkv, D }),
      });
    }
  }
  for (const [M, N, K0] of s.matmul) {
    for (const [bits, group, bias, accumulate] of [
      [8, 32, true, false],
      [4, 32, false, true],
      [4, 64, true, false],
      [8, 2, false, false],
    ] as const) {
      const K = roundUp(K0, group);
      const bytes = bits === 8 ? N * K : (N * K) / 2;
      out.push({
        name: `matmulQ M=${M} N=${N} K=${K} bits=${bits} group=${group} bias=${bias} accumulate=${accumulate}`,
        requires: 'matmulQ',
        bufs: {
          out: randn(rng, M * N),
          a: randn(rng, M * K),
          data: randomBytes(rng, bytes, bits),
          scales: scalesFor(rng, (N * K) / group),
          bias: randn(rng, N),
        },
        check: ['out'],
        tol: 'reduce',
        allowance: (_name, b) =>
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
  }
  for (const [n, C0] of s.rows) {
    for (const [bits, group] of [
      [8, 32],
      [4, 2],
    ] as const) {
      const C = roundUp(C0, group);
      const V = 11;
      const ids = new Int32Array(n).map(() => rng.int(V));
      out.push({
        name: `embeddingQ n=${n} C=${C} V=${V} bits=${bits} group=${group}`,
        requires: 'embeddingQ',
        bufs: {
          out: randn(rng, n * C),
          data: randomBytes(rng, bits === 8 ? V * C : (V * C) / 2, bits),
          scales: scalesFor(rng, (V * C) / group),
          ids,
        },
        check: ['out'],
        tol: 'exact',
        run: (be, b) => be.embeddingQ!(b.out, { data: b.data, scales: b.scales, bits, group }, b.ids, n, C),
      });
    }
  }
  return out;
}
