import type { FloatArray } from '../ref-buf.js';

/** Grow-only scratch for transposed operands, reused across calls. */
let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);

/** dst[c, r] = src[r, c] for a [rows, cols] matrix, into a reused scratch array. */
function transposed(src: FloatArray, rows: number, cols: number, which: 'a' | 'b'): Float64Array {
  let dst = which === 'a' ? scratchA : scratchB;
  if (dst.length < rows * cols) {
    dst = new Float64Array(rows * cols);
    if (which === 'a') scratchA = dst;
    else scratchB = dst;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  return dst;
}

/** Output columns per block: 4 accumulator rows of this width stay in L1, the B panel in L2. */
const COLS = 256;

/**
 * out[M,N] = op(a)[M,K] · op(b)[K,N] (+ bias[N]) (+ out when accumulate).
 * a is [M,K] (or [K,M] when transA); b is [K,N] (or [N,K] when transB).
 *
 * Transposed operands are first copied into row-major order, so one loop nest
 * does all the work: blocks of COLS output columns × 4 output rows, summed
 * over k in f64 accumulators (long K sums stay exact), each b value loaded
 * once per 4 rows.
 */
export function matmul(
  out: FloatArray, a: FloatArray, b: FloatArray, bias: FloatArray | null,
  M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  const A: FloatArray = transA ? transposed(a, K, M, 'a') : a; // [M,K]
  const Bm: FloatArray = transB ? transposed(b, N, K, 'b') : b; // [K,N]
  const acc = new Float64Array(4 * COLS);
  for (let j0 = 0; j0 < N; j0 += COLS) {
    const width = Math.min(COLS, N - j0);
    for (let i0 = 0; i0 < M; i0 += 4) {
      const rows = Math.min(4, M - i0);
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        // Rows past M multiply by 0 and are never written out.
        const a0 = A[i0 * K + k];
        const a1 = rows > 1 ? A[(i0 + 1) * K + k] : 0;
        const a2 = rows > 2 ? A[(i0 + 2) * K + k] : 0;
        const a3 = rows > 3 ? A[(i0 + 3) * K + k] : 0;
        const bRow = k * N + j0;
        for (let j = 0; j < width; j++) {
          const bv = Bm[bRow + j];
          acc[j] += a0 * bv;
          acc[COLS + j] += a1 * bv;
          acc[2 * COLS + j] += a2 * bv;
          acc[3 * COLS + j] += a3 * bv;
        }
      }
      for (let r = 0; r < rows; r++) {
        const o = (i0 + r) * N + j0;
        for (let j = 0; j < width; j++) {
          let v = acc[r * COLS + j];
          if (bias) v += bias[j0 + j];
          out[o + j] = accumulate ? out[o + j] + v : v;
        }
      }
    }
  }
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
