// Steady state allocates nothing: a training-shaped loop of ops (alloc
// activations, run forward/backward/AdamW, free) must stop carving fresh
// blocks and growing the memory after its first step.

import { AdamW, Tensor } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachingAllocator, OutOfMemoryError, sizeClass } from '../src/allocator.js';
import { WasmBackend } from '../src/index.js';

describe('caching allocator', () => {
  it('rounds sizes to 64-byte multiples, eight classes per power of two above 512 bytes (at most 12.5% waste)', () => {
    for (const n of [1, 63, 64, 65, 1000, 4097, 123457, 38_597_376 * 4]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 64).toBe(0);
      if (n >= 512) expect(c / n).toBeLessThanOrEqual(1.125);
    }
  });

  it('reuses freed blocks of the same class', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true });
    const a = new CachingAllocator(memory, 1024);
    const x = a.alloc(1000);
    a.release(x.ptr, x.size);
    const y = a.alloc(990);
    expect(y.ptr).toBe(x.ptr);
    expect(y.fresh).toBe(false);
    expect(a.stats().freshBlocks).toBe(1);
  });

  it('says clearly when a model does not fit in wasm32 memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true });
    const a = new CachingAllocator(memory, 1024, 64 * 65536);
    a.alloc(2 * 65536);
    expect(() => a.alloc(63 * 65536)).toThrow(OutOfMemoryError);
    expect(() => a.alloc(63 * 65536)).toThrow(
      /cannot be allocated: it does not fit in wasm32.*backend: 'native'.*smaller batch size.*webgpu backend/s,
    );
  });
});

describe('wasm backend memory', () => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await WasmBackend.create({ threads: 2, skipWarmup: true });
    be.forceThreads = true;
  });
  afterAll(async () => {
    await be?.dispose();
  });

  it('a training-shaped loop of ops does not grow memory after its first step', async () => {
    const B = 2,
      T = 32,
      C = 48,
      H = 4,
      V = 97,
      N = B * T;
    const params = {
      wte: be.alloc('f32', V * C),
      w: be.alloc('f32', 3 * C * C),
      lnw: be.alloc('f32', C),
      lnb: be.alloc('f32', C),
    };
    const grads = {
      wte: be.alloc('f32', V * C),
      w: be.alloc('f32', 3 * C * C),
      lnw: be.alloc('f32', C),
      lnb: be.alloc('f32', C),
    };
    const moments = Object.values(params).map((p) => [be.alloc('f32', p.length), be.alloc('f32', p.length)]);
    be.write(
      params.wte,
      Float32Array.from({ length: V * C }, (_, i) => Math.sin(i) * 0.1),
    );
    be.write(
      params.w,
      Float32Array.from({ length: 3 * C * C }, (_, i) => Math.cos(i) * 0.05),
    );
    be.fill(params.lnw, 1, C);
    const ids = be.alloc('i32', N);
    const targets = be.alloc('i32', N);
    be.write(
      ids,
      Int32Array.from({ length: N }, (_, i) => (i * 13) % V),
    );
    be.write(
      targets,
      Int32Array.from({ length: N }, (_, i) => (i * 29 + 1) % V),
    );
    const norm = be.alloc('f32', 1);
    const after: number[] = [];
    const fresh: number[] = [];
    for (let step = 1; step <= 20; step++) {
      const x = be.alloc('f32', N * C),
        mean = be.alloc('f32', N),
        rstd = be.alloc('f32', N),
        h = be.alloc('f32', N * C);
      const qkv = be.alloc('f32', N * 3 * C),
        att = be.alloc('f32', N * C),
        lse = be.alloc('f32', B * H * T);
      const logits = be.alloc('f32', N * V),
        losses = be.alloc('f32', N),
        dloss = be.alloc('f32', N);
      be.embedding(x, params.wte, ids, N, C);
      be.layernorm(h, mean, rstd, x, params.lnw, params.lnb, N, C, 1e-5);
      be.matmul({ out: qkv, a: h, b: params.w, M: N, N: 3 * C, K: C, transB: true });
      be.attention({ qkv, out: att, lse, B, T, H, Hkv: H, D: C / H, causal: true });
      be.matmul({ out: logits, a: att, b: params.wte, M: N, N: V, K: C, transB: true });
      be.crossEntropy(losses, logits, targets, N, V, -100);
      be.fill(dloss, 1 / N, N);
      const dlogits = be.alloc('f32', N * V),
        datt = be.alloc('f32', N * C),
        dqkv = be.alloc('f32', N * 3 * C),
        dh = be.alloc('f32', N * C);
      be.crossEntropyBackward(dlogits, logits, targets, dloss, N, V, -100);
      be.matmul({ out: datt, a: dlogits, b: params.wte, M: N, N: C, K: V });
      be.matmul({ out: grads.wte, a: dlogits, b: att, M: V, N: C, K: N, transA: true, accumulate: true });
      be.attentionBackward({ qkv, out: att, lse, dout: datt, dqkv, B, T, H, Hkv: H, D: C / H, causal: true });
      be.matmul({ out: dh, a: dqkv, b: params.w, M: N, N: C, K: 3 * C });
      be.matmul({ out: grads.w, a: dqkv, b: h, M: 3 * C, N: C, K: N, transA: true, accumulate: true });
      const dx = be.alloc('f32', N * C);
      be.layernormBackward(dx, grads.lnw, grads.lnb, dh, x, params.lnw, mean, rstd, N, C);
      be.embeddingBackward(grads.wte, dx, ids, N, C);
      Object.values(grads).forEach((g, i) => be.sumSquares(norm, g, g.length, i > 0));
      Object.values(params).forEach((p, i) => {
        const g = Object.values(grads)[i];
        be.adamw({
          param: p,
          grad: g,
          m: moments[i][0],
          v: moments[i][1],
          n: p.length,
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.95,
          eps: 1e-8,
          weightDecay: 0.1,
          step,
        });
        be.fill(g, 0, g.length);
      });
      const loss = (await be.read(losses)) as Float32Array;
      expect(Number.isFinite(loss.reduce((a, b) => a + b, 0))).toBe(true);
      for (const b of [x, mean, rstd, h, qkv, att, lse, logits, losses, dloss, dlogits, datt, dqkv, dh, dx]) be.free(b);
      after.push(be.memoryStats().memoryBytes);
      fresh.push(be.memoryStats().freshBlocks);
    }
    expect(new Set(after.slice(1)).size, `memory bytes per step: ${after.join(', ')}`).toBe(1);
    expect(new Set(fresh.slice(1)).size, `fresh blocks per step: ${fresh.join(', ')}`).toBe(1);
    expect(be.memoryStats().inUse).toBeGreaterThan(0);
  });
});

describe('wasm backend: a model over wasm32 memory', () => {
  it('is refused when its optimizer is built, naming the size and the native backend, before any step', async () => {
    const be = await WasmBackend.create({ threads: 1, skipWarmup: true });
    // 270M parameters: 1.08 GB of weights fit, but training needs 4.32 GB for weights, gradients and moments.
    const weights = new Map([['w', Tensor.zeros(be, [16384, 16480])]]);
    expect(() => new AdamW(weights)).toThrow(
      /AdamW: training 270\.0M parameters needs 4\.32 GB for weights, gradients and AdamW moments alone, before activations; the wasm backend addresses at most 4\.00 GiB\. Use backend: 'native'/,
    );
    weights.get('w')!.dispose();
    await be.dispose();
  });
});
