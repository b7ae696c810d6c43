import { type Buf, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

// Tiny cases worked out by hand: the oracle must be right on its own terms.
const be = new ReferenceBackend();
const f32 = (xs: number[]) => {
  const b = be.alloc('f32', xs.length);
  be.write(b, Float32Array.from(xs));
  return b;
};
const i32 = (xs: number[]) => {
  const b = be.alloc('i32', xs.length);
  be.write(b, Int32Array.from(xs));
  return b;
};
const read = async (b: Buf) => Array.from(await be.read(b));

describe('ReferenceBackend by hand', () => {
  it('matmul: plain, transposed, bias, accumulate', async () => {
    const a = f32([1, 2, 3, 4]);
    const b = f32([5, 6, 7, 8]);
    const out = be.alloc('f32', 4);
    be.matmul({ out, a, b, M: 2, N: 2, K: 2 });
    expect(await read(out)).toEqual([19, 22, 43, 50]);
    be.matmul({ out, a, b, M: 2, N: 2, K: 2, transB: true, bias: f32([1, -1]) });
    expect(await read(out)).toEqual([18, 22, 40, 52]);
    be.matmul({ out, a, b, M: 2, N: 2, K: 2, transA: true, accumulate: true });
    expect(await read(out)).toEqual([18 + 26, 22 + 30, 40 + 38, 52 + 44]);
  });

  it('layernorm of [1, 2, 3] is [-√1.5, 0, √1.5] with mean 2', async () => {
    const out = be.alloc('f32', 3);
    const mean = be.alloc('f32', 1);
    const rstd = be.alloc('f32', 1);
    be.layernorm(out, mean, rstd, f32([1, 2, 3]), f32([1, 1, 1]), f32([0, 0, 0]), 1, 3, 0);
    const r = await read(out);
    [-Math.sqrt(1.5), 0, Math.sqrt(1.5)].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 6));
    expect(await read(mean)).toEqual([2]);
  });

  it('cross-entropy of uniform logits is log V; ignored rows are 0 and get no gradient', async () => {
    const losses = be.alloc('f32', 2);
    const logits = f32([0.5, 0.5, 0.5, 0.5, 1, 2, 3, 4]);
    const targets = i32([2, -100]);
    be.crossEntropy(losses, logits, targets, 2, 4, -100);
    const l = await read(losses);
    expect(l[0]).toBeCloseTo(Math.log(4), 6);
    expect(l[1]).toBe(0);
    const d = be.alloc('f32', 8);
    be.crossEntropyBackward(d, logits, targets, f32([1, 1]), 2, 4, -100);
    const g = await read(d);
    [0.25, 0.25, -0.75, 0.25, 0, 0, 0, 0].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
  });

  it('attention over one token returns its value; lse is the scaled score', async () => {
    // H = Hkv = 1, D = 2: q = [1, 2], k = [3, 4], v = [5, 6]
    const out = be.alloc('f32', 2);
    const lse = be.alloc('f32', 1);
    be.attention({ qkv: f32([1, 2, 3, 4, 5, 6]), out, lse, B: 1, T: 1, H: 1, Hkv: 1, D: 2, causal: true });
    expect(await read(out)).toEqual([5, 6]);
    expect((await read(lse))[0]).toBeCloseTo(11 / Math.sqrt(2), 5);
  });

  it('causal attention: the first token sees only itself, the second averages by softmax', async () => {
    // D = 1, scale 1: q0 = 1, k0 = 0, v0 = 10; q1 = 1, k1 = ln 3, v1 = 20 → weights 1/4, 3/4.
    const out = be.alloc('f32', 2);
    const lse = be.alloc('f32', 2);
    be.attention({
      qkv: f32([1, 0, 10, 1, Math.log(3), 20]),
      out,
      lse,
      B: 1,
      T: 2,
      H: 1,
      Hkv: 1,
      D: 1,
      causal: true,
      scale: 1,
    });
    const o = await read(out);
    expect(o[0]).toBeCloseTo(10, 5);
    expect(o[1]).toBeCloseTo(10 / 4 + 60 / 4, 5);
  });

  it('rope at position 0 is the identity; at position 1 rotates (x1, x2) by 1 radian for i = 0', async () => {
    const inp = f32([1, 0, 0, 1, 2, 3]); // H=Hkv=1, D=2: q=[1,0], k=[0,1], v=[2,3]
    const out = be.alloc('f32', 6);
    be.rope({ out, inp, B: 1, T: 1, H: 1, Hkv: 1, D: 2, theta: 10000 });
    expect(await read(out)).toEqual([1, 0, 0, 1, 2, 3]);
    be.rope({ out, inp, B: 1, T: 1, H: 1, Hkv: 1, D: 2, theta: 10000, posOffset: 1 });
    const r = await read(out);
    [Math.cos(1), Math.sin(1), -Math.sin(1), Math.cos(1), 2, 3].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 6));
  });

  it('gelu(1) = 0.841192 (tanh form), swiglu(gate 1, up 2) = 2·silu(1)', async () => {
    const out = be.alloc('f32', 1);
    be.gelu(out, f32([1]), 1);
    expect((await read(out))[0]).toBeCloseTo(0.841192, 6);
    be.swiglu(out, f32([1, 2]), 1, 1);
    expect((await read(out))[0]).toBeCloseTo(2 / (1 + Math.exp(-1)), 6);
  });

  it('adamw, first step by hand (PyTorch order: decay, moments, bias-corrected update)', async () => {
    const param = f32([1]);
    const m = be.alloc('f32', 1);
    const v = be.alloc('f32', 1);
    be.adamw({
      param,
      grad: f32([0.5]),
      m,
      v,
      n: 1,
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.1,
      step: 1,
    });
    // decay: 0.99; m̂ = 0.5, v̂ = 0.25 → update lr · 0.5/(0.5 + 1e-8)
    expect((await read(param))[0]).toBeCloseTo(0.99 - (0.1 * 0.5) / (0.5 + 1e-8), 7);
    expect((await read(m))[0]).toBeCloseTo(0.05, 7);
    expect((await read(v))[0]).toBeCloseTo(0.00025, 9);
  });

  it('embedding backward adds repeated ids in order; refuses ids outside the table', async () => {
    const dtable = be.alloc('f32', 4);
    be.embeddingBackward(dtable, f32([1, 2, 10, 20, 100, 200]), i32([1, 0, 1]), 3, 2);
    expect(await read(dtable)).toEqual([10, 20, 101, 202]);
    expect(() => be.embedding(be.alloc('f32', 2), dtable, i32([2]), 1, 2)).toThrow(
      /id 2 at position 0 is outside the table/,
    );
  });

  it('errors name the op and the argument', () => {
    expect(() => be.gelu(be.alloc('f32', 2), be.alloc('f32', 1), 2)).toThrow(
      /gelu: x needs 2 elements at offset 0, buffer has 1/,
    );
    const other = new ReferenceBackend();
    expect(() => be.gelu(other.alloc('f32', 1), be.alloc('f32', 1), 1)).toThrow(/belongs to another backend/);
    const b = be.alloc('f32', 1);
    be.free(b);
    expect(() => be.fill(b, 0, 1)).toThrow(/freed/);
  });

  it('the pool hands freed arrays out again', () => {
    const pool = new ReferenceBackend();
    const a = pool.alloc('f32', 100);
    pool.free(a);
    const created = pool.pool.created;
    pool.free(pool.alloc('f32', 100));
    expect(pool.pool.created).toBe(created);
    expect(pool.pool.reused).toBe(2 - 1);
  });
});
