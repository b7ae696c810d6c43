import {
  AdamW,
  clipGradNorm,
  cosineSchedule,
  createRng,
  Embedding,
  gradNorm,
  keep,
  LayerNorm,
  Linear,
  Module,
  ReferenceBackend,
  Tensor,
} from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const be = new ReferenceBackend();

function withGrad(values: number[], grad: number[], decay: boolean): Tensor {
  const t = Tensor.parameter(keep(Tensor.from(be, values)), decay);
  t.grad = keep(Tensor.from(be, grad));
  return t;
}

/** torch.optim.AdamW's update, written out in f64 for one parameter. */
function adamwByHand(
  p: number[],
  grads: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; scale?: number[] },
): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out = [...p];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] * (o.scale?.[k] ?? 1);
      out[i] *= 1 - o.lr * o.wd;
      m[i] = o.b1 * m[i] + (1 - o.b1) * gi;
      v[i] = o.b2 * v[i] + (1 - o.b2) * gi * gi;
      const mhat = m[i] / (1 - o.b1 ** t);
      const vhat = v[i] / (1 - o.b2 ** t);
      out[i] -= (o.lr * mhat) / (Math.sqrt(vhat) + o.eps);
    }
  });
  return out;
}

describe('AdamW', () => {
  it('matches the hand-computed update over three steps, decay only where flagged, with gradScale', async () => {
    const w = withGrad([0.5, -1.5, 2], [0, 0, 0], true);
    const b = withGrad([0.1, 0.2], [0, 0], false);
    const opt = new AdamW(
      new Map([
        ['w', w],
        ['b', b],
      ]),
      { lr: 0.01, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 },
    );
    const gw = [
      [0.3, -0.2, 0.05],
      [0.1, 0.4, -0.3],
      [-0.2, 0.1, 0.2],
    ];
    const gb = [
      [1, -1],
      [0.5, 0.25],
      [-0.1, 0.3],
    ];
    const scales = [1, 0.5, 0.25];
    for (let k = 0; k < 3; k++) {
      be.write(w.grad!.buf, Float32Array.from(gw[k]));
      be.write(b.grad!.buf, Float32Array.from(gb[k]));
      opt.step({ gradScale: scales[k] });
    }
    const hp = { lr: 0.01, b1: 0.9, b2: 0.95, eps: 1e-8, scale: scales };
    const wantW = adamwByHand([0.5, -1.5, 2], gw, { ...hp, wd: 0.1 });
    const wantB = adamwByHand([0.1, 0.2], gb, { ...hp, wd: 0 });
    Array.from(await w.toArray()).forEach((x, i) => expect(x).toBeCloseTo(wantW[i], 6));
    Array.from(await b.toArray()).forEach((x, i) => expect(x).toBeCloseTo(wantB[i], 6));
    expect(opt.stepCount).toBe(3);
  });

  it('by default decays matrix weights but not biases, norms or embeddings; the rule is configurable', () => {
    class Net extends Module {
      constructor() {
        super(be);
        const rng = createRng(1);
        this.child('emb', new Embedding(be, 5, 4, rng));
        this.child('fc', new Linear(be, 4, 3, rng));
        this.child('ln', new LayerNorm(be, 3));
      }
    }
    const net = new Net();
    expect(new AdamW(net.parameters()).decayed()).toEqual(['fc.weight']);
    expect(new AdamW(net.parameters(), { decay: (_, t) => t.shape.length >= 2 }).decayed()).toEqual([
      'emb.weight',
      'fc.weight',
    ]);
  });

  it('state() and loadState() continue exactly where the first optimizer would have', async () => {
    const make = () => withGrad([1, 2, 3], [0.3, -0.1, 0.2], true);
    const a = make();
    const optA = new AdamW(new Map([['p', a]]), { lr: 0.1 });
    optA.step();
    const saved = await optA.state();
    const flat = AdamW.fromTensors(saved.step, AdamW.toTensors(saved));
    const b = withGrad(Array.from(await a.toArray()), [0.3, -0.1, 0.2], true);
    const optB = new AdamW(new Map([['p', b]]), { lr: 0.1 });
    optB.loadState(flat);
    optA.step();
    optB.step();
    expect(Array.from(await b.toArray())).toEqual(Array.from(await a.toArray()));
    expect(() => optB.loadState({ step: 1, moments: new Map() }, 'ckpt/optimizer.safetensors')).toThrow(
      /ckpt\/optimizer.safetensors: no moments for parameter 'p'/,
    );
  });
});

describe('gradient norm and clipping', () => {
  it('is the global L2 norm over every gradient; the scale is min(1, max/(norm+1e-6))', async () => {
    const a = withGrad([0, 0], [3, 0], true);
    const b = withGrad([0], [4], false);
    const c = Tensor.parameter(keep(Tensor.from(be, [1])), false); // no grad yet: counts as zero
    expect(await gradNorm([a, b, c])).toBeCloseTo(5, 6);
    const { norm, scale } = await clipGradNorm([a, b, c], 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(scale).toBeCloseTo(1 / (5 + 1e-6), 9);
    expect((await clipGradNorm([a, b], 10)).scale).toBe(1);
  });
});

describe('cosineSchedule', () => {
  // Values from the PyTorch fixture's schedule (max 1e-2, min 1e-3, warmup 5, decay 50).
  const lr = cosineSchedule({ lr: 1e-2, warmupSteps: 5, totalSteps: 50, minLrRatio: 0.1 });
  it('warms up linearly then follows the cosine down to the floor', () => {
    expect(lr(0)).toBeCloseTo(0.002, 12);
    expect(lr(4)).toBeCloseTo(0.01, 12);
    expect(lr(5)).toBeCloseTo(0.01, 12);
    expect(lr(6)).toBeCloseTo(0.00998903822616921, 12);
    expect(lr(26)).toBeCloseTo(0.0059703780847044415, 12);
    expect(lr(49)).toBeCloseTo(0.0010109617738307912, 12);
    expect(lr(50)).toBeCloseTo(0.001, 12);
    expect(lr(1000)).toBeCloseTo(0.001, 12);
  });
  it('refuses inconsistent settings', () => {
    expect(() => cosineSchedule({ lr: 1, warmupSteps: 10, totalSteps: 5 })).toThrow(
      /warmupSteps \(10\) exceeds totalSteps \(5\)/,
    );
    expect(() => cosineSchedule({ lr: 0, warmupSteps: 0, totalSteps: 5 })).toThrow(/lr must be positive/);
  });
});
