import type { FloatArray } from '../ref-buf.js';

/**
 * Grow-only f64 scratch for the two packed operands, reused across calls (a
 * training step then allocates nothing here after the first).
 */
let packedA: Float64Array = new Float64Array(0);
let packedB: Float64Array = new Float64Array(0);

function grow(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : new Float64Array(n);
}

/**
 * Copy a matrix into `dst` as rows × K, each row contiguous along K, with rows
 * padded up to a multiple of 4 by zeros. `kMajor` says the source is stored
 * [K, rows] (so it is transposed on the way).
 */
function pack(dst: Float64Array, src: FloatArray, rows: number, K: number, kMajor: boolean): void {
  const padded = Math.ceil(rows / 4) * 4;
  if (kMajor) {
    for (let k = 0; k < K; k++) for (let r = 0; r < rows; r++) dst[r * K + k] = src[k * rows + r];
  } else {
    for (let i = 0; i < rows * K; i++) dst[i] = src[i];
  }
  dst.fill(0, rows * K, padded * K);
}

/**
 * out[M,N] = op(a)[M,K] · op(b)[K,N] (+ bias[N]) (+ out when accumulate).
 * a is [M,K] (or [K,M] when transA); b is [K,N] (or [N,K] when transB).
 *
 * Both operands are first packed as f64 rows contiguous along K (A as [M,K],
 * B as [N,K]); then every 4×4 output tile is 16 dot products summed in local
 * f64 variables, so each loaded value is used four times and long K sums stay
 * exact. Rows are padded to multiples of 4 with zeros, so there are no edge
 * cases in the inner loop; padded outputs are simply not written.
 */
export function matmul(
  out: FloatArray,
  a: FloatArray,
  b: FloatArray,
  bias: FloatArray | null,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  packedA = grow(packedA, Math.ceil(M / 4) * 4 * K);
  packedB = grow(packedB, Math.ceil(N / 4) * 4 * K);
  const A = packedA;
  const Bt = packedB;
  pack(A, a, M, K, transA);
  pack(Bt, b, N, K, !transB);
  for (let i = 0; i < M; i += 4) {
    const a0 = i * K,
      a1 = a0 + K,
      a2 = a1 + K,
      a3 = a2 + K;
    for (let j = 0; j < N; j += 4) {
      const b0 = j * K,
        b1 = b0 + K,
        b2 = b1 + K,
        b3 = b2 + K;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0;
      let s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k],
          x1 = A[a1 + k],
          x2 = A[a2 + k],
          x3 = A[a3 + k];
        let y = Bt[b0 + k];
        s00 += x0 * y;
        s10 += x1 * y;
        s20 += x2 * y;
        s30 += x3 * y;
        y = Bt[b1 + k];
        s01 += x0 * y;
        s11 += x1 * y;
        s21 += x2 * y;
        s31 += x3 * y;
        y = Bt[b2 + k];
        s02 += x0 * y;
        s12 += x1 * y;
        s22 += x2 * y;
        s32 += x3 * y;
        y = Bt[b3 + k];
        s03 += x0 * y;
        s13 += x1 * y;
        s23 += x2 * y;
        s33 += x3 * y;
      }
      store(out, bias, M, N, i, j, accumulate, s00, s01, s02, s03);
      store(out, bias, M, N, i + 1, j, accumulate, s10, s11, s12, s13);
      store(out, bias, M, N, i + 2, j, accumulate, s20, s21, s22, s23);
      store(out, bias, M, N, i + 3, j, accumulate, s30, s31, s32, s33);
    }
  }
}

/** Write one row of a 4-wide tile (skipping padding), adding the bias and/or the old value. */
function store(
  out: FloatArray,
  bias: FloatArray | null,
  M: number,
  N: number,
  i: number,
  j: number,
  accumulate: boolean,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
): void {
  if (i >= M) return;
  const o = i * N + j;
  put(out, bias, o, j, accumulate, v0);
  if (j + 1 < N) put(out, bias, o + 1, j + 1, accumulate, v1);
  if (j + 2 < N) put(out, bias, o + 2, j + 2, accumulate, v2);
  if (j + 3 < N) put(out, bias, o + 3, j + 3, accumulate, v3);
}

function put(out: FloatArray, bias: FloatArray | null, o: number, col: number, accumulate: boolean, v: number): void {
  if (bias) v += bias[col];
  out[o] = accumulate ? out[o] + v : v;
}

/** dbias[N] += sum over rows of dout[M,N]. */
export function biasBackward(dbias: FloatArray, dout: FloatArray, M: number, N: number): void {
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) acc[j] += dout[row + j];
  }
  for (let j = 0; j < N; j++) dbias[j] += acc[j];
}
