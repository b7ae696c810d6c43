import { backward, gradOf, IGNORE_INDEX, record, Tensor } from '@kiln/tensor';

/**
 * Per-token negative log-likelihood: logits (N,V), targets (N) → (N), 0 where
 * the target is IGNORE_INDEX. Unlike crossEntropy (one summed loss) it keeps
 * one value per token, so DPO and GRPO can weight each sequence's tokens by
 * their own loss derivative (backward with a seed).
 */
export function tokenNll(logits: Tensor, targets: Tensor): Tensor {
  const V = logits.shape[logits.shape.length - 1];
  const N = logits.size / V;
  if (targets.size !== N) throw new Error(`tokenNll: ${targets.size} targets for ${N} rows of logits`);
  const be = logits.backend;
  const out = Tensor.zeros(be, [N]);
  // Each row's log-sum-exp, kept for the backward (one pass over V instead of three).
  const lse = Tensor.zeros(be, [N]);
  be.crossEntropy(out.view, logits.view, targets.view, N, V, IGNORE_INDEX, lse.view);
  return record(out, 'tokenNll', [logits], (dout) => {
    const dlogits = gradOf(logits);
    if (dlogits)
      be.crossEntropyBackward(dlogits.view, logits.view, targets.view, dout.view, N, V, IGNORE_INDEX, lse.view);
  });
}

/** What a policy forward gives back: the per-token nll on the tape and its host copy as log-probs. */
export interface TokenLogProbs {
  nll: Tensor;
  /** log π(target) per token, 0 where ignored; (B·T). */
  logp: Float32Array;
}

/** Sum of each row's token log-probs (B rows of T). */
export function rowSums(logp: Float32Array, B: number, T: number): Float64Array {
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b] += logp[b * T + t];
  return out;
}

/**
 * Push dLoss/dlogp[token] back through the model: since nll = -logp, the seed
 * of the nll tensor is the negated per-token derivative.
 */
export function backwardTokenGrads(nll: Tensor, dLogp: Float32Array): void {
  const seed = Tensor.from(
    nll.backend,
    dLogp.map((g) => -g),
    [dLogp.length],
  );
  backward(nll, seed);
  seed.dispose();
}

/** Per-token derivative that spreads a per-row derivative over the row's target tokens. */
export function spreadRowGrads(dRow: ArrayLike<number>, targets: Int32Array, T: number): Float32Array {
  const out = new Float32Array(targets.length);
  for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE_INDEX) out[i] = dRow[Math.floor(i / T)];
  return out;
}
