/**
 * GPT-2's decode step: one new token for each of n sequences, each in its own
 * cache row at its own position (continuous batching, GRPO's rollouts). The
 * same kernels and order of operations as Gpt2Engine.forward with B = 1, T = 1
 * for every row, so a row's logits do not depend on what else is in the batch;
 * but one pass over the weights for all n rows, per-row buffers kept from one
 * step to the next, and the residual added by the projections themselves
 * (matmul's accumulate: the same bits as a separate add).
 */
import {
  applyLinear,
  type Backend,
  type Buf,
  checkDecodeRows,
  type DType,
  type EngineWeights,
  type KVCache,
  lookupRows,
  ReusedBuffers,
  runAttentionKVRows,
} from '@kiln/tensor';
import type { Gpt2EngineConfig } from './engine.js';
import { type LayerNames, LN_F, WPE, WTE } from './weight-names.js';

function stepBuffers(c: Gpt2EngineConfig, n: number, alloc: (size: number, dtype?: DType) => Buf) {
  const C = c.nEmbd;
  return {
    ids: alloc(n, 'i32'),
    positions: alloc(n, 'i32'),
    rows: alloc(n, 'i32'),
    x: alloc(n * C),
    h: alloc(n * C),
    t: alloc(n * C),
    mean: alloc(n),
    rstd: alloc(n),
    qkv: alloc(n * 3 * C),
    f: alloc(n * c.nInner),
    g: alloc(n * c.nInner),
  };
}

export class Gpt2Decoder {
  private readonly buffers: ReusedBuffers<ReturnType<typeof stepBuffers>>;

  constructor(
    private readonly be: Backend,
    private readonly config: Gpt2EngineConfig,
    private readonly w: EngineWeights,
    private readonly names: LayerNames,
  ) {
    this.buffers = new ReusedBuffers(be, (n, alloc) => stepBuffers(config, n, alloc));
  }

  async step(ids: Int32Array, cache: KVCache, rows: Int32Array, positions: Int32Array): Promise<Buf> {
    checkDecodeRows('Gpt2Engine', ids, cache, rows, positions);
    const { be, w, config } = this;
    const { nEmbd: C, nHead: H, nInner: F, vocabSize: V, layerNormEpsilon: eps } = config;
    const n = ids.length;
    const b = this.buffers.forRows(n);
    be.write(b.ids, ids);
    be.write(b.positions, positions);
    be.write(b.rows, rows);
    lookupRows(be, w.lin(WTE), b.h, b.ids, ids, n);
    be.embedding(b.t, w.vec(WPE), b.positions, n, C);
    be.add(b.x, b.h, b.t, n * C);
    const attention = {
      qkv: b.qkv,
      out: b.t,
      rows: b.rows,
      positions: b.positions,
      n,
      B: cache.B,
      Tmax: cache.Tmax,
      H,
      Hkv: H,
      D: C / H,
    };
    const host = { rows, positions };
    for (let l = 0; l < config.nLayer; l++) {
      const name = this.names[l];
      be.layernorm(b.h, b.mean, b.rstd, b.x, w.vec(name.ln1[0]), w.vec(name.ln1[1]), n, C, eps);
      applyLinear(be, w.lin(name.attn), b.qkv, b.h, n);
      await runAttentionKVRows(be, { ...attention, kCache: cache.k[l], vCache: cache.v[l] }, host);
      applyLinear(be, w.lin(name.proj), b.x, b.t, n, true);
      be.layernorm(b.h, b.mean, b.rstd, b.x, w.vec(name.ln2[0]), w.vec(name.ln2[1]), n, C, eps);
      applyLinear(be, w.lin(name.fc), b.f, b.h, n);
      be.gelu(b.g, b.f, n * F);
      applyLinear(be, w.lin(name.out), b.x, b.g, n, true);
    }
    be.layernorm(b.h, b.mean, b.rstd, b.x, w.vec(LN_F[0]), w.vec(LN_F[1]), n, C, eps);
    const logits = be.alloc('f32', n * V);
    applyLinear(be, w.lin(WTE), logits, b.h, n);
    return logits;
  }

  dispose(): void {
    this.buffers.dispose();
  }
}
