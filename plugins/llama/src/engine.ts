/**
 * Llama inference without the autograd tape: forward over new tokens with a
 * KV cache (prefill, then one token per step), over a trained Llama's own
 * parameter buffers (no copy). It has the shape of @kiln/generate's engine
 * (config.nPositions, backend, createCache, freeCache, forward, tokenLosses),
 * so `kiln generate`, `kiln serve` and the evaluators drive it as they drive GPT-2's.
 */
import { allocKVCache, freeKVCache, runAttentionKV, type Backend, type Buf, type BufView, type KVCache } from '@kiln/tensor';
import type { Llama } from './model.js';

/** Keys and values of every layer, (B, Tmax, Hkv·D) each. */
export type LlamaKVCache = KVCache;

export class LlamaEngine {
  readonly backend: Backend;
  readonly config: Llama['config'];
  private readonly w: Map<string, BufView>;

  constructor(private readonly model: Llama) {
    this.backend = model.backend;
    this.config = { ...model.config };
    this.w = new Map([...model.parameters()].map(([n, t]) => [n, t.view]));
  }

  private p(name: string): BufView {
    const v = this.w.get(name);
    if (!v) throw new Error(`LlamaEngine: no weight '${name}'`);
    return v;
  }

  createCache(B: number, Tmax = this.config.nPositions): LlamaKVCache {
    if (Tmax > this.config.nPositions) throw new Error(`LlamaEngine: a cache of ${Tmax} positions exceeds the context (${this.config.nPositions})`);
    return allocKVCache(this.backend, this.config.nLayer, B, Tmax, this.config.nKvHead * (this.config.nEmbd / this.config.nHead));
  }

  freeCache(cache: LlamaKVCache): void {
    freeKVCache(this.backend, cache);
  }

  /**
   * Runs ids (B, T) at positions pos..pos+T-1, appending their keys/values to
   * the cache. Returns logits (B, T, V), or (B, 1, V) for each row's last
   * position with `lastOnly`; the caller frees the returned buffer.
   */
  async forward(ids: Int32Array, cache: LlamaKVCache, pos: number, options: { lastOnly?: boolean } = {}): Promise<Buf> {
    const be = this.backend;
    const { B } = cache;
    const T = ids.length / B;
    const { nEmbd: C, nHead: H, nKvHead: Hkv, intermediateSize: F, vocabSize: V, rmsNormEps: eps, ropeTheta: theta } = this.config;
    const D = C / H;
    const S = (H + 2 * Hkv) * D;
    if (!Number.isInteger(T) || T < 1) throw new Error(`LlamaEngine.forward: ${ids.length} ids do not split into ${B} rows`);
    if (pos + T > cache.Tmax) throw new Error(`LlamaEngine.forward: positions ${pos}..${pos + T - 1} exceed the cache (${cache.Tmax} positions)`);
    const N = B * T;
    const temps: Buf[] = [];
    const tmp = (n: number, dtype: 'f32' | 'i32' = 'f32') => {
      const b = be.alloc(dtype, n);
      temps.push(b);
      return b;
    };
    const linear = (out: BufView, x: BufView, w: string, M: number, K: number, Nout: number) =>
      be.matmul({ out, a: x, b: this.p(w), M, N: Nout, K, transB: true });
    try {
      const idsBuf = tmp(N, 'i32');
      be.write(idsBuf, ids);
      // Residual stream in two buffers, never aliased in one op (GPU backends forbid it).
      let x = tmp(N * C);
      let y = tmp(N * C);
      const h = tmp(N * C);
      const rstd = tmp(N);
      const qkv = tmp(N * S);
      const roped = tmp(N * S);
      const att = tmp(N * C);
      const gu = tmp(N * 2 * F);
      const g = tmp(N * F);
      be.embedding(x, this.p('model.embed_tokens.weight'), idsBuf, N, C);
      for (let l = 0; l < this.config.nLayer; l++) {
        const p = `model.layers.${l}.`;
        be.rmsnorm(h, rstd, x, this.p(`${p}input_layernorm.weight`), N, C, eps);
        linear(qkv, h, `${p}self_attn.qkv_proj.weight`, N, C, S);
        be.rope({ out: roped, inp: qkv, B, T, H, Hkv, D, theta, posOffset: pos });
        await runAttentionKV(be, { qkv: roped, kCache: cache.k[l], vCache: cache.v[l], out: att, B, Tq: T, Tmax: cache.Tmax, pos, H, Hkv, D });
        linear(h, att, `${p}self_attn.o_proj.weight`, N, C, C);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
        be.rmsnorm(h, rstd, x, this.p(`${p}post_attention_layernorm.weight`), N, C, eps);
        linear(gu, h, `${p}mlp.gate_up_proj.weight`, N, C, 2 * F);
        be.swiglu(g, gu, N, F);
        linear(h, g, `${p}mlp.down_proj.weight`, N, F, C);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
      }
      be.rmsnorm(h, rstd, x, this.p('model.norm.weight'), N, C, eps);
      const head = this.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
      if (!options.lastOnly) {
        const logits = be.alloc('f32', N * V);
        linear(logits, h, head, N, C, V);
        return logits;
      }
      const logits = be.alloc('f32', B * V);
      for (let b = 0; b < B; b++) linear({ buf: logits, offset: b * V }, { buf: h, offset: (b * T + T - 1) * C }, head, 1, C, V);
      return logits;
    } finally {
      for (const b of temps) be.free(b);
    }
  }

  /** Per-token cross-entropy (nats) of targets given ids, both (B, T), in one forward from position 0. */
  async tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex = -100): Promise<Float32Array> {
    const be = this.backend;
    const cache = this.createCache(B, ids.length / B);
    const logits = await this.forward(ids, cache, 0);
    const t = be.alloc('i32', ids.length);
    const losses = be.alloc('f32', ids.length);
    try {
      be.write(t, targets);
      be.crossEntropy(losses, logits, t, ids.length, this.config.vocabSize, ignoreIndex);
      return (await be.read(losses)) as Float32Array;
    } finally {
      for (const b of [logits, t, losses]) be.free(b);
      this.freeCache(cache);
    }
  }

  /** Writes the model's files (the engine runs on the model's own weights). */
  save(dir: string): Promise<string[]> {
    return this.model.save(dir);
  }

  /** Nothing to free: the weights belong to the model. */
  dispose(): void {}
}
