import type { FloatArray } from '../ref-buf.js';

/**
 * out[M,N] = op(a)[M,K] · op(b)[K,N] (+ bias[N]) (+ out when accumulate).
 * a is [M,K] (or [K,M] when transA); b is [K,N] (or [N,K] when transB).
 * Each output row is summed in a Float64Array so long K sums stay exact.
 */
export function matmul(
  out: FloatArray, a: FloatArray, b: FloatArray, bias: FloatArray | null,
  M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    if (transB) {
      // Both operands are contiguous along K: a dot product per output.
      for (let j = 0; j < N; j++) {
        const bRow = j * K;
        let s = 0;
        if (transA) for (let k = 0; k < K; k++) s += a[k * M + i] * b[bRow + k];
        else {
          const aRow = i * K;
          for (let k = 0; k < K; k++) s += a[aRow + k] * b[bRow + k];
        }
        acc[j] = s;
      }
    } else {
      // i-k-j order: stream through rows of b.
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = transA ? a[k * M + i] : a[i * K + k];
        if (aik === 0) continue;
        const bRow = k * N;
        for (let j = 0; j < N; j++) acc[j] += aik * b[bRow + j];
      }
    }
    const oRow = i * N;
    for (let j = 0; j < N; j++) {
      let v = acc[j];
      if (bias) v += bias[j];
      out[oRow + j] = accumulate ? out[oRow + j] + v : v;
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
