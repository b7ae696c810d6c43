import type { FloatArray } from '../ref-buf.js';

/** Log-sum-exp of row n of logits[N,V], stable (max subtracted). */
function rowLse(logits: FloatArray, row: number, V: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (logits[row + v] > max) max = logits[row + v];
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[row + v] - max);
  return max + Math.log(sum);
}

function checkTarget(t: number, V: number, n: number, ignoreIndex: number): void {
  if (t !== ignoreIndex && (t < 0 || t >= V)) {
    throw new Error(
      `crossEntropy: target ${t} at row ${n} is outside the vocabulary (0..${V - 1}) and is not ignoreIndex ${ignoreIndex}`,
    );
  }
}

/** losses[n] = lse(logits[n]) - logits[n, targets[n]], 0 where the target is ignoreIndex; lse[n] saved when given (0 where ignored). */
export function crossEntropy(
  losses: FloatArray,
  logits: FloatArray,
  targets: Int32Array,
  N: number,
  V: number,
  ignoreIndex: number,
  lse?: FloatArray,
): void {
  for (let n = 0; n < N; n++) {
    const t = targets[n];
    checkTarget(t, V, n, ignoreIndex);
    const l = t === ignoreIndex ? 0 : rowLse(logits, n * V, V);
    losses[n] = t === ignoreIndex ? 0 : l - logits[n * V + t];
    if (lse) lse[n] = l;
  }
}

/** dlogits[n,:] += (softmax(logits[n]) - onehot(targets[n])) * dloss[n]; ignored rows get nothing. Uses the forward's lse when given. */
export function crossEntropyBackward(
  dlogits: FloatArray,
  logits: FloatArray,
  targets: Int32Array,
  dloss: FloatArray,
  N: number,
  V: number,
  ignoreIndex: number,
  savedLse?: FloatArray,
): void {
  for (let n = 0; n < N; n++) {
    const t = targets[n];
    checkTarget(t, V, n, ignoreIndex);
    if (t === ignoreIndex) continue;
    const row = n * V;
    const lse = savedLse ? savedLse[n] : rowLse(logits, row, V);
    const d = dloss[n];
    for (let v = 0; v < V; v++) {
      const p = Math.exp(logits[row + v] - lse);
      dlogits[row + v] += (p - (v === t ? 1 : 0)) * d;
    }
  }
}
