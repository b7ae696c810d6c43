import type { TokenBatches } from '@kiln/core';
import { GPT2 } from '@kiln/gpt2';
import { AdamW, type Backend, createRng, IGNORE_INDEX, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { trainStep } from '../src/index.js';

const CONFIG = { vocabSize: 29, nPositions: 8, nLayer: 2, nEmbd: 16, nHead: 2 };
const T = 7;
const ROWS = 8;

/** Fixed rows served in order; a different number of ignored targets in each row, so micro-batches hold unequal token counts. */
function fixedRows(): { inputs: Int32Array; targets: Int32Array } {
  const rng = createRng(99);
  const inputs = new Int32Array(ROWS * T);
  const targets = new Int32Array(ROWS * T);
  for (let i = 0; i < inputs.length; i++) {
    inputs[i] = rng.int(CONFIG.vocabSize);
    targets[i] = rng.int(CONFIG.vocabSize);
  }
  for (let r = 0; r < ROWS; r++) for (let t = 0; t < r % 5; t++) targets[r * T + t] = IGNORE_INDEX; // 0..4 masked per row
  return { inputs, targets };
}

class RowQueue implements TokenBatches {
  private row = 0;
  constructor(private readonly rows: { inputs: Int32Array; targets: Int32Array }) {}
  next(B: number, t: number) {
    const a = this.row * t;
    this.row += B;
    return { inputs: this.rows.inputs.slice(a, a + B * t), targets: this.rows.targets.slice(a, a + B * t) };
  }
  state() {
    return this.row;
  }
  restore(s: unknown) {
    this.row = s as number;
  }
}

async function oneStep(be: Backend, B: number, gradAccum: number) {
  const model = new GPT2(CONFIG, be, createRng(3));
  const params = model.parameters();
  // eps 1e-4: Adam's first step is ~lr·sign(g), so with eps 1e-8 float32 summation-order noise in
  // gradients near zero would decide the sign of lr-sized updates; the gradients are compared directly too.
  const opt = new AdamW(params, { lr: 1e-2, betas: [0.9, 0.95], eps: 1e-4, weightDecay: 0.1 });
  const r = await trainStep(
    model,
    [...params.values()],
    opt,
    new RowQueue(fixedRows()),
    { B, T, gradAccum },
    { lr: 1e-2, gradClip: 1.0 },
  );
  const weights = new Map<string, Float32Array>();
  const grads = new Map<string, Float32Array>();
  for (const [n, p] of params) {
    weights.set(n, (await p.toArray()) as Float32Array);
    grads.set(n, (await p.grad!.toArray()) as Float32Array); // the accumulated gradient (kept until the next zeroGrad)
  }
  opt.dispose();
  model.dispose();
  return { ...r, weights, grads };
}

function maxRelDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [n, x] of a) {
    const y = b.get(n)!;
    let d = 0;
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      d = Math.max(d, Math.abs(x[i] - y[i]));
      s = Math.max(s, Math.abs(y[i]));
    }
    worst = Math.max(worst, d / s);
  }
  return worst;
}

describe('gradient accumulation', () => {
  it('k micro-batches give the same update as one batch k times larger (loss normalised over the whole window)', async () => {
    const be = new ReferenceBackend();
    const big = await oneStep(be, ROWS, 1);
    for (const k of [2, 4, 8]) {
      const acc = await oneStep(be, ROWS / k, k);
      expect(acc.tokens).toBe(big.tokens);
      expect(Math.abs(acc.loss - big.loss)).toBeLessThan(1e-6);
      expect(Math.abs(acc.gradNorm - big.gradNorm) / big.gradNorm).toBeLessThan(1e-5);
      expect(maxRelDiff(acc.grads, big.grads), `gradients, k = ${k}`).toBeLessThan(1e-5);
      expect(maxRelDiff(acc.weights, big.weights), `weights, k = ${k}`).toBeLessThan(1e-5);
    }
    // The rows hold unequal token counts, so per-micro-batch means would NOT match:
    // the test data can tell the two normalisations apart.
    const { targets } = fixedRows();
    const counts = [0, 1, 2, 3].map(
      (m) => targets.slice(m * 2 * T, (m + 1) * 2 * T).filter((t) => t !== IGNORE_INDEX).length,
    );
    expect(new Set(counts).size).toBeGreaterThan(1);
    await be.dispose();
  });
});
