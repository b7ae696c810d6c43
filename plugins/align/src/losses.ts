/** Numerically stable log(1 + e^x). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export interface DpoPairLogps {
  /** Sequence log-probs of the chosen / rejected completion under the policy. */
  policyChosen: number;
  policyRejected: number;
  /** ... and under the frozen reference model. */
  refChosen: number;
  refRejected: number;
}

/**
 * DPO (Rafailov et al. 2023): L = -log σ(β·[(πc − rc) − (πr − rr)]), averaged
 * over pairs. Returns the loss, the implicit reward margin, and dL/dπc, dL/dπr per pair.
 */
export function dpoLoss(
  pairs: readonly DpoPairLogps[],
  beta: number,
): { loss: number; margin: number; accuracy: number; dChosen: number[]; dRejected: number[] } {
  const P = pairs.length;
  let loss = 0;
  let margin = 0;
  let correct = 0;
  const dChosen: number[] = [];
  const dRejected: number[] = [];
  for (const p of pairs) {
    const z = beta * (p.policyChosen - p.refChosen - (p.policyRejected - p.refRejected));
    loss += softplus(-z) / P;
    margin += z / P;
    if (z > 0) correct++;
    const g = (-beta * sigmoid(-z)) / P;
    dChosen.push(g);
    dRejected.push(-g);
  }
  return { loss, margin, accuracy: correct / P, dChosen, dRejected };
}

/** Bradley–Terry pairwise loss for a reward model: -log σ(r_chosen − r_rejected), averaged. */
export function pairwiseLoss(
  chosen: readonly number[],
  rejected: readonly number[],
): { loss: number; accuracy: number; dChosen: number[]; dRejected: number[] } {
  const P = chosen.length;
  let loss = 0;
  let correct = 0;
  const dChosen: number[] = [];
  const dRejected: number[] = [];
  for (let i = 0; i < P; i++) {
    const d = chosen[i] - rejected[i];
    loss += softplus(-d) / P;
    if (d > 0) correct++;
    const g = -sigmoid(-d) / P;
    dChosen.push(g);
    dRejected.push(-g);
  }
  return { loss, accuracy: correct / P, dChosen, dRejected };
}

/** Group-normalized advantages (GRPO): (r − mean(group)) / (std(group) + eps); 0 for a group whose rewards are all equal. */
export function groupAdvantages(rewards: readonly number[], groupSize: number, eps = 1e-4): number[] {
  if (rewards.length % groupSize !== 0)
    throw new Error(`groupAdvantages: ${rewards.length} rewards do not split into groups of ${groupSize}`);
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) {
    const group = rewards.slice(g, g + groupSize);
    const mean = group.reduce((a, b) => a + b, 0) / groupSize;
    const std = Math.sqrt(group.reduce((a, r) => a + (r - mean) ** 2, 0) / groupSize);
    for (const r of group) out.push((r - mean) / (std + eps));
  }
  return out;
}

export interface GrpoSequence {
  /** Per-token log-probs of the completion's tokens under the current policy, the sampling policy, and the reference. */
  logp: readonly number[];
  oldLogp: readonly number[];
  refLogp: readonly number[];
  advantage: number;
}

/**
 * GRPO (Shao et al. 2024, DeepSeekMath eq. 3): per token, the PPO-clipped
 * surrogate min(ρA, clip(ρ, 1−ε, 1+ε)A) with ρ = π/π_old, minus β times the
 * unbiased KL estimate exp(ref − logπ) − (ref − logπ) − 1; averaged over each
 * completion's tokens, then over completions; the loss is its negation.
 * Returns the loss, the mean KL and dLoss/dlogπ for every token.
 */
export function grpoLoss(
  seqs: readonly GrpoSequence[],
  o: { beta: number; clipEps: number },
): { loss: number; kl: number; clipFraction: number; dLogp: number[][] } {
  const S = seqs.length;
  let loss = 0;
  let kl = 0;
  let clipped = 0;
  let tokens = 0;
  const dLogp: number[][] = [];
  for (const s of seqs) {
    const n = s.logp.length;
    const grads: number[] = [];
    for (let t = 0; t < n; t++) {
      const ratio = Math.exp(s.logp[t] - s.oldLogp[t]);
      const clippedRatio = Math.min(Math.max(ratio, 1 - o.clipEps), 1 + o.clipEps);
      const unclippedTerm = ratio * s.advantage;
      const clippedTerm = clippedRatio * s.advantage;
      const useUnclipped = unclippedTerm <= clippedTerm;
      const surrogate = useUnclipped ? unclippedTerm : clippedTerm;
      const diff = s.refLogp[t] - s.logp[t];
      const klT = Math.exp(diff) - diff - 1;
      loss -= (surrogate - o.beta * klT) / n / S;
      kl += klT;
      tokens++;
      if (!useUnclipped) clipped++;
      // d/dlogπ: surrogate → ρA when unclipped (0 when clipped); KL → 1 − exp(ref − logπ).
      const dObj = (useUnclipped ? unclippedTerm : 0) - o.beta * (1 - Math.exp(diff));
      grads.push(-dObj / n / S);
    }
    dLogp.push(grads);
  }
  return { loss, kl: tokens ? kl / tokens : 0, clipFraction: tokens ? clipped / tokens : 0, dLogp };
}
