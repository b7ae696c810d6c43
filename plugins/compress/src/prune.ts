/**
 * Magnitude pruning: the smallest weights (by |w|) become exactly zero.
 * Unstructured pruning removes a fraction of each matrix wherever it lies;
 * N:M keeps the N largest of every M consecutive weights along the input
 * dimension (2:4 is the pattern sparse tensor cores run).
 */

/** Zeroes the `sparsity` fraction of w with the smallest magnitude (ties broken by position). Returns how many were zeroed. */
export function pruneUnstructured(w: Float32Array, sparsity: number): number {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`prune: sparsity must be in [0, 1), got ${sparsity}`);
  const k = Math.floor(w.length * sparsity);
  if (k === 0) return 0;
  const order = new Uint32Array(w.length).map((_, i) => i);
  order.sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
  for (let i = 0; i < k; i++) w[order[i]] = 0;
  return k;
}

/** In each group of M consecutive weights of a row (rows of K, K % M === 0), keeps the N largest. Returns how many were zeroed. */
export function pruneNM(w: Float32Array, K: number, n: number, m: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(m) && n >= 1 && m > n))
    throw new RangeError(`prune: N:M needs integers 1 <= N < M, got ${n}:${m}`);
  if (K % m !== 0) throw new RangeError(`prune: the input dimension ${K} is not a multiple of M = ${m}`);
  let zeroed = 0;
  const idx = new Array<number>(m);
  for (let start = 0; start < w.length; start += m) {
    for (let j = 0; j < m; j++) idx[j] = start + j;
    idx.sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
    for (let j = 0; j < m - n; j++) {
      if (w[idx[j]] !== 0) zeroed++;
      w[idx[j]] = 0;
    }
  }
  return zeroed;
}
