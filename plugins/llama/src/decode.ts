/**
 * Llama's decode step: one new token for each of n sequences, each in its own
 * cache row at its own position (continuous batching, GRPO's rollouts). The
 * same kernels and order of operations as LlamaEngine.forward with B = 1,
 * T = 1 for every row, so a row's logits do not depend on what else is in the
 * batch; but one pass over the weights for all n rows, per-row buffers kept
 * from one step to the next, and the residual added by the projections
 * themselves (matmul's accumulate: the same bits as a separate add).
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
import type { LlamaConfig } from './config.js';
import { EMBED, FINAL_NORM, headName, type LayerNames, stepShape } from './weight-names.js';

function stepBuffers(c: Required<LlamaConfig>, n: number, alloc: (size: number, dtype?: DType) => Buf) {
  const { C, S } = stepShape(c);
  return {
    ids: alloc(n, 'i32'),
    positions: alloc(n, 'i32'),
    rows: alloc(n, 'i32'),
    x: alloc(n * C),
    h: alloc(n * C),
    att: alloc(n * C),
    rstd: alloc(n),
    qkv: alloc(n * S),
    roped: alloc(n * S),
    gu: alloc(n * 2 * c.intermediateSize),
    g: alloc(n * c.intermediateSize),
  };
}

export class LlamaDecoder {
  private readonly buffers: ReusedBuffers<ReturnType<typeof stepBuffers>>;

  constructor(
    private readonly be: Backend,
    private readonly config: Required<LlamaConfig>,
    private readonly w: EngineWeights,
    private readonly names: LayerNames,
  ) {
    this.buffers = new ReusedBuffers(be, (n, alloc) => stepBuffers(config, n, alloc));
  }

  async step(ids: Int32Array, cache: KVCache, rows: Int32Array, positions: Int32Array): Promise<Buf> {
    checkDecodeRows('LlamaEngine', ids, cache, rows, positions);
    const { be, w, config } = this;
    const { C, H, Hkv, D, S, F, V, eps, theta } = stepShape(config);
    const n = ids.length;
    const b = this.buffers.forRows(n);
    be.write(b.ids, ids);
    be.write(b.positions, positions);
    be.write(b.rows, rows);
    lookupRows(be, w.lin(EMBED), b.x, b.ids, ids, n);
    const attention = { qkv: b.roped, out: b.att, rows: b.rows, positions: b.positions, n, B: cache.B };
    const dims = { Tmax: cache.Tmax, H, Hkv, D };
    const host = { rows, positions };
    for (let l = 0; l < config.nLayer; l++) {
      const name = this.names[l];
      be.rmsnorm(b.h, b.rstd, b.x, w.vec(name.norm1), n, C, eps);
      applyLinear(be, w.lin(name.qkv), b.qkv, b.h, n);
      // rope takes one start position, so each row is rotated on its own at its own position.
      for (let i = 0; i < n; i++) {
        const row = { buf: b.qkv, offset: i * S };
        be.rope({
          out: { buf: b.roped, offset: i * S },
          inp: row,
          B: 1,
          T: 1,
          H,
          Hkv,
          D,
          theta,
          posOffset: positions[i],
        });
      }
      await runAttentionKVRows(be, { ...attention, ...dims, kCache: cache.k[l], vCache: cache.v[l] }, host);
      applyLinear(be, w.lin(name.o), b.x, b.att, n, true);
      be.rmsnorm(b.h, b.rstd, b.x, w.vec(name.norm2), n, C, eps);
      applyLinear(be, w.lin(name.gateUp), b.gu, b.h, n);
      be.swiglu(b.g, b.gu, n, F);
      applyLinear(be, w.lin(name.down), b.x, b.g, n, true);
    }
    be.rmsnorm(b.h, b.rstd, b.x, w.vec(FINAL_NORM), n, C, eps);
    const logits = be.alloc('f32', n * V);
    applyLinear(be, w.lin(headName(config)), logits, b.h, n);
    return logits;
  }

  dispose(): void {
    this.buffers.dispose();
  }
}
