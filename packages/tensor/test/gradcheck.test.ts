import {
  add,
  attention,
  createRng,
  crossEntropy,
  embedding,
  gelu,
  layerNorm,
  linear,
  mulScalar,
  reshape,
  rmsNorm,
  rope,
  swiglu,
  Tensor,
} from '@kiln/tensor';
import { describe, it } from 'vitest';
import { be64, gradcheck, param } from './gradcheck.js';

const rng = createRng(7);

describe('finite-difference gradient checks (f64 reference backend)', () => {
  it('linear, out-in layout with bias', async () => {
    const x = param(rng, [2, 3, 5]);
    const w = param(rng, [7, 5]);
    const b = param(rng, [7]);
    await gradcheck('linear out-in', [x, w, b], () => linear(x, w, b, 'out-in'));
  });

  it('linear, in-out (Conv1D) layout without bias', async () => {
    const x = param(rng, [3, 4]);
    const w = param(rng, [4, 6]);
    await gradcheck('linear in-out', [x, w], () => linear(x, w, null, 'in-out'));
  });

  it('embedding with repeated ids', async () => {
    const table = param(rng, [5, 3]);
    const ids = Tensor.from(be64, new Int32Array([1, 4, 1, 0, 1, 3]), [2, 3]);
    await gradcheck('embedding', [table], () => embedding(ids, table));
  });

  it('layerNorm with and without bias', async () => {
    const x = param(rng, [4, 7], 2, 0.5);
    const w = param(rng, [7]);
    const b = param(rng, [7]);
    await gradcheck('layerNorm', [x, w, b], () => layerNorm(x, w, b, 1e-5));
    await gradcheck('layerNorm no bias', [x, w], () => layerNorm(x, w, null, 1e-5));
  });

  it('rmsNorm', async () => {
    const x = param(rng, [3, 9]);
    const w = param(rng, [9]);
    await gradcheck('rmsNorm', [x, w], () => rmsNorm(x, w, 1e-6));
  });

  it('gelu, swiglu, add, mulScalar, reshape', async () => {
    const x = param(rng, [3, 8], 2);
    const y = param(rng, [3, 8]);
    await gradcheck('gelu', [x], () => gelu(x));
    await gradcheck('swiglu', [x], () => swiglu(x));
    await gradcheck('add (same tensor twice)', [x, y], () => add(add(x, y), x));
    await gradcheck('mulScalar', [x], () => mulScalar(x, -1.3));
    await gradcheck('reshape', [x], () => gelu(reshape(x, [4, 6])));
  });

  it('attention: causal multi-head', async () => {
    const qkv = param(rng, [2, 5, 3 * 2 * 4]);
    await gradcheck('attention causal', [qkv], () => attention(qkv, { H: 2, Hkv: 2, D: 4 }), { samples: 40 });
  });

  it('attention: grouped KV heads, bidirectional, custom scale', async () => {
    const qkv = param(rng, [1, 6, (4 + 2 * 2) * 3]);
    await gradcheck('attention GQA', [qkv], () => attention(qkv, { H: 4, Hkv: 2, D: 3, causal: false, scale: 0.7 }), {
      samples: 40,
    });
  });

  it('attention: segments (packed sequences)', async () => {
    const qkv = param(rng, [2, 6, 3 * 2]);
    const segments = Tensor.from(be64, new Int32Array([0, 0, 0, 1, 1, 2, 5, 5, 6, 6, 6, 6]), [2, 6]);
    await gradcheck('attention segments', [qkv], () => attention(qkv, { H: 1, Hkv: 1, D: 2, segments }), {
      samples: 36,
    });
  });

  it('rope then attention (GQA), with a position offset', async () => {
    const qkv = param(rng, [2, 4, (2 + 2 * 1) * 4]);
    const heads = { H: 2, Hkv: 1, D: 4 };
    await gradcheck('rope', [qkv], () => rope(qkv, { ...heads, theta: 100, posOffset: 3 }), { samples: 40 });
    await gradcheck('rope+attention', [qkv], () => attention(rope(qkv, { ...heads, theta: 100 }), heads), {
      samples: 40,
    });
  });

  it('crossEntropy with ignored targets and a normalizer', async () => {
    const logits = param(rng, [2, 3, 5], 2);
    const targets = Tensor.from(be64, new Int32Array([4, -100, 0, 2, 2, -100]), [2, 3]);
    await gradcheck('crossEntropy', [logits], () => crossEntropy(logits, targets, { normalizer: 4 }));
  });

  it('a small network: embedding → layerNorm → linear → gelu → residual → tied head → loss', async () => {
    const table = param(rng, [6, 4], 0.5);
    const w1 = param(rng, [4, 4], 0.5);
    const b1 = param(rng, [4], 0.1);
    const lnw = param(rng, [4], 0.2, 1);
    const ids = Tensor.from(be64, new Int32Array([1, 5, 2, 2]), [1, 4]);
    const targets = Tensor.from(be64, new Int32Array([5, 2, 2, 0]), [1, 4]);
    await gradcheck('network', [table, w1, b1, lnw], () => {
      const x = embedding(ids, table);
      const h = add(x, gelu(linear(layerNorm(x, lnw, null), w1, b1, 'in-out')));
      return crossEntropy(linear(h, table), targets);
    });
  });
});
