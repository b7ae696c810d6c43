/**
 * Matmul and embedding lookup on group-quantized weights (int8/int4, forward
 * only, for compressed models). Plain loops with f64 accumulators; they double
 * as the host fallback for backends that lack the ops.
 */
import type { FloatArray } from '../ref-buf.js';

export interface QuantDims {
  bits: 4 | 8;
  group: number;
}

/** Row n of a quantized (N,K) weight, dequantized into dst[0..K). */
export function dequantizeRow(
  dst: FloatArray | Float64Array,
  data: Int8Array,
  scales: FloatArray,
  n: number,
  K: number,
  q: QuantDims,
): void {
  const groups = K / q.group;
  if (q.bits === 8) {
    const base = n * K;
    for (let k = 0; k < K; k++) dst[k] = data[base + k] * scales[n * groups + Math.floor(k / q.group)];
    return;
  }
  const base = (n * K) / 2;
  for (let j = 0; j < K / 2; j++) {
    const byte = data[base + j] & 0xff;
    const s = scales[n * groups + Math.floor((2 * j) / q.group)];
    dst[2 * j] = ((byte & 15) - 8) * s;
    dst[2 * j + 1] = ((byte >> 4) - 8) * s;
  }
}

/** A whole quantized (N,K) weight as f32 [N,K] (for fallbacks and tests). */
export function dequantize(data: Int8Array, scales: FloatArray, N: number, K: number, q: QuantDims): Float32Array {
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) dequantizeRow(out.subarray(n * K, (n + 1) * K), data, scales, n, K, q);
  return out;
}

/** out[M,N] (+)= a[M,K] · dequant(w)ᵀ (+ bias). Each weight row is dequantized once. */
export function matmulQ(
  out: FloatArray,
  a: FloatArray,
  data: Int8Array,
  scales: FloatArray,
  bias: FloatArray | null,
  M: number,
  N: number,
  K: number,
  q: QuantDims,
  accumulate: boolean,
): void {
  const row = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    dequantizeRow(row, data, scales, n, K, q);
    for (let m = 0; m < M; m++) {
      let s = bias ? bias[n] : 0;
      const ao = m * K;
      for (let k = 0; k < K; k++) s += a[ao + k] * row[k];
      out[m * N + n] = accumulate ? out[m * N + n] + s : s;
    }
  }
}

/** out[i,C] = dequant(table)[ids[i], :]. */
export function embeddingQ(
  out: FloatArray,
  data: Int8Array,
  scales: FloatArray,
  ids: Int32Array,
  n: number,
  C: number,
  rows: number,
  q: QuantDims,
): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0 || id >= rows)
      throw new Error(`embeddingQ: id ${id} at position ${i} is outside the table (0..${rows - 1})`);
    dequantizeRow(out.subarray(i * C, (i + 1) * C), data, scales, id, C, q);
  }
}

/** Throws unless (bits, group) and the sizes describe a valid quantized weight. */
export function checkQuant(op: string, q: QuantDims, K: number): void {
  if (q.bits !== 4 && q.bits !== 8) throw new Error(`${op}: bits must be 4 or 8, got ${String(q.bits)}`);
  if (!(Number.isInteger(q.group) && q.group > 0 && q.group % 2 === 0))
    throw new Error(`${op}: group must be a positive even integer, got ${q.group}`);
  if (K % q.group !== 0) throw new Error(`${op}: K (${K}) must be a multiple of the group size (${q.group})`);
}
