import { describe, expect, it } from 'vitest';
import { dpoLoss, groupAdvantages, grpoLoss, pairwiseLoss } from '../src/index.js';

describe('DPO loss (hand-computed)', () => {
  it('β=0.1, πc=−1, rc=−2, πr=−3, rr=−2.5', () => {
    // z = 0.1·((−1 + 2) − (−3 + 2.5)) = 0.15; L = log(1 + e^−0.15) = 0.620957; dL/dπc = −0.1·σ(−0.15) = −0.0462570
    const r = dpoLoss([{ policyChosen: -1, refChosen: -2, policyRejected: -3, refRejected: -2.5 }], 0.1);
    expect(r.loss).toBeCloseTo(0.620957, 5);
    expect(r.margin).toBeCloseTo(0.15, 10);
    expect(r.dChosen[0]).toBeCloseTo(-0.046257, 5);
    expect(r.dRejected[0]).toBeCloseTo(0.046257, 5);
    expect(r.accuracy).toBe(1);
  });

  it('averages over pairs; policy = reference gives log 2', () => {
    const same = { policyChosen: -4, refChosen: -4, policyRejected: -1, refRejected: -1 };
    const r = dpoLoss([same, same], 0.5);
    expect(r.loss).toBeCloseTo(Math.LN2, 10);
    expect(r.dChosen[0]).toBeCloseTo((-0.5 * 0.5) / 2, 10);
  });

  it('gradients agree with finite differences', () => {
    const p = { policyChosen: -2.3, refChosen: -2, policyRejected: -1.1, refRejected: -1.7 };
    const h = 1e-6;
    const f = (dc: number, dr: number) =>
      dpoLoss([{ ...p, policyChosen: p.policyChosen + dc, policyRejected: p.policyRejected + dr }], 0.3).loss;
    const r = dpoLoss([p], 0.3);
    expect(r.dChosen[0]).toBeCloseTo((f(h, 0) - f(-h, 0)) / (2 * h), 6);
    expect(r.dRejected[0]).toBeCloseTo((f(0, h) - f(0, -h)) / (2 * h), 6);
  });
});

describe('reward-model pairwise loss (hand-computed)', () => {
  it('−log σ(rc − rr)', () => {
    // d = 1 − (−0.5) = 1.5: L = log(1 + e^−1.5) = 0.201413; d = −1: L = log(1 + e) = 1.313262
    const r = pairwiseLoss([1, 0], [-0.5, 1]);
    expect(r.loss).toBeCloseTo((0.201413 + 1.313262) / 2, 5);
    expect(r.accuracy).toBe(0.5);
    expect(r.dChosen[0]).toBeCloseTo(-(1 / (1 + Math.exp(1.5))) / 2, 10);
  });
});

describe('GRPO (hand-computed)', () => {
  it('group-normalized advantages', () => {
    const a = groupAdvantages([1, 0, 0, 0, 2, 4], 3, 0);
    // group 1: mean 1/3, std √(2/9); group 2: mean 2, std √(8/3)
    expect(a[0]).toBeCloseTo(2 / 3 / Math.sqrt(2 / 9), 10);
    expect(a[1]).toBeCloseTo(-(1 / 3) / Math.sqrt(2 / 9), 10);
    expect(a[5]).toBeCloseTo(2 / Math.sqrt(8 / 3), 10);
    expect(groupAdvantages([1, 1], 2)).toEqual([0, 0]); // all equal: no signal
  });

  it('on-policy tokens with a KL term', () => {
    // logp [−1, −2], ref [−1.5, −2], A = 2, β = 0.1, ratio 1:
    // KL₁ = e^−0.5 + 0.5 − 1 = 0.1065307, KL₂ = 0; objective = ((2 − 0.01065307) + 2) / 2; loss = −1.99467347
    const r = grpoLoss([{ logp: [-1, -2], oldLogp: [-1, -2], refLogp: [-1.5, -2], advantage: 2 }], {
      beta: 0.1,
      clipEps: 0.2,
    });
    expect(r.loss).toBeCloseTo(-1.99467347, 6);
    expect(r.kl).toBeCloseTo(0.1065307 / 2, 6);
    // dObj/dlogp₁ = 2 − 0.1·(1 − e^−0.5) = 1.96065307; dLoss = −that/2
    expect(r.dLogp[0][0]).toBeCloseTo(-0.98032653, 6);
    expect(r.dLogp[0][1]).toBeCloseTo(-1, 10);
  });

  it('clipping: a ratio beyond 1+ε with a positive advantage stops the gradient; with a negative one it does not', () => {
    const up = grpoLoss([{ logp: [-1], oldLogp: [-1.5], refLogp: [-1], advantage: 1 }], { beta: 0, clipEps: 0.2 });
    expect(up.loss).toBeCloseTo(-1.2, 10);
    expect(up.dLogp[0][0]).toBe(-0);
    expect(up.clipFraction).toBe(1);
    const down = grpoLoss([{ logp: [-1], oldLogp: [-1.5], refLogp: [-1], advantage: -1 }], { beta: 0, clipEps: 0.2 });
    expect(down.loss).toBeCloseTo(Math.exp(0.5), 10);
    expect(down.dLogp[0][0]).toBeCloseTo(Math.exp(0.5), 10);
  });

  it('averages per completion, then over completions (longer completions do not weigh more)', () => {
    const r = grpoLoss(
      [
        { logp: [-1], oldLogp: [-1], refLogp: [-1], advantage: 1 },
        { logp: [-1, -1, -1], oldLogp: [-1, -1, -1], refLogp: [-1, -1, -1], advantage: -1 },
      ],
      { beta: 0, clipEps: 0.2 },
    );
    expect(r.loss).toBeCloseTo(0, 10);
    expect(r.dLogp[0][0]).toBeCloseTo(-0.5, 10);
    expect(r.dLogp[1][0]).toBeCloseTo(0.5 / 3, 10);
  });
});
