/**
 * GPT-2 inference without the autograd tape: forward over new tokens with a
 * KV cache (prefill, then one token per step), dense or quantized weights.
 * Built from a trained @kiln/gpt2 model by pointing at its parameter buffers
 * (no copy); compressors swap individual weights for quantized ones.
 */
import { allocKVCache, freeKVCache, Tensor, type Backend, type Buf, type BufView, type KVCache } from '@kiln/tensor';
import type { GPT2, GPT2Config } from '@kiln/gpt2';
import { attentionKV } from './attention-kv.js';
import { saveEngine } from './engine-io.js';
import { applyLinear, freeWeight, lookupRows, weightBytes, type LinearWeight } from './weights.js';

/** GPT-2's hyperparameters, as @kiln/gpt2 resolves them. */
export type Gpt2EngineConfig = Required<GPT2Config>;

/** Keys and values of every layer, (B, Tmax, C) each. */
export type { KVCache };

/** Names of the matrices a compressor may replace (HF names; wte is also the tied LM head). */
export function linearNames(nLayer: number): string[] {
  const names = ['transformer.wte.weight'];
  for (let i = 0; i < nLayer; i++) {
    for (const m of ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj']) names.push(`transformer.h.${i}.${m}.weight`);
  }
  return names;
}

export class Gpt2Engine {
  /** Matrices by HF weight name. */
  readonly linear = new Map<string, LinearWeight>();
  /** Everything else (norms, biases, position table) by HF name. */
  readonly dense = new Map<string, { view: BufView; size: number }>();
  /** The model tensors behind dense matrices (fromGpt2), so a compressor can free what it replaced. */
  readonly sources = new Map<string, Tensor>();

  constructor(
    readonly backend: Backend,
    readonly config: Gpt2EngineConfig,
  ) {}

  /** An engine over a GPT2 module's own parameter buffers (stays valid while the model lives). */
  static fromGpt2(model: GPT2): Gpt2Engine {
    const engine = new Gpt2Engine(model.backend, { ...model.config });
    const c = model.config;
    const params: Map<string, Tensor> = model.parameters();
    const matrices = new Set(linearNames(c.nLayer));
    for (const [name, t] of params) {
      if (!matrices.has(name)) {
        engine.dense.set(name, { view: t.view, size: t.size });
        continue;
      }
      const tied = name === 'transformer.wte.weight';
      const bias = tied ? null : params.get(name.replace(/weight$/, 'bias'))?.view ?? null;
      // wte is [V, C] (nn.Linear layout for the LM head); Conv1D weights are [in, out].
      const [inFeatures, outFeatures] = tied ? [t.shape[1], t.shape[0]] : [t.shape[0], t.shape[1]];
      engine.linear.set(name, { kind: 'dense', w: t.view, layout: tied ? 'out-in' : 'in-out', inFeatures, outFeatures, bias });
      engine.sources.set(name, t);
    }
    return engine;
  }

  /**
   * Puts a new weight in place of `name`, freeing the old one: the model
   * tensor it pointed at, or the quantized buffers it owned. The model the
   * engine came from must not run its own forward pass afterwards.
   */
  replaceLinear(name: string, weight: LinearWeight): void {
    const old = this.lin(name);
    this.linear.set(name, weight);
    freeWeight(this.backend, old);
    this.sources.get(name)?.dispose();
    this.sources.delete(name);
  }

  private lin(name: string): LinearWeight {
    const w = this.linear.get(name);
    if (!w) throw new Error(`Gpt2Engine: no weight '${name}'`);
    return w;
  }

  private vec(name: string): BufView {
    const d = this.dense.get(name);
    if (!d) throw new Error(`Gpt2Engine: no tensor '${name}'`);
    return d.view;
  }

  /** Bytes of every weight as held in memory (quantized ones at their packed size). */
  bytes(): number {
    let n = 0;
    for (const w of this.linear.values()) n += weightBytes(w);
    for (const d of this.dense.values()) n += 4 * d.size;
    return n;
  }

  createCache(B: number, Tmax = this.config.nPositions): KVCache {
    if (Tmax > this.config.nPositions) throw new Error(`Gpt2Engine: a cache of ${Tmax} positions exceeds the context (${this.config.nPositions})`);
    return allocKVCache(this.backend, this.config.nLayer, B, Tmax, this.config.nEmbd);
  }

  freeCache(cache: KVCache): void {
    freeKVCache(this.backend, cache);
  }

  /**
   * Runs ids (B, T) at positions pos..pos+T-1, appending their keys/values to
   * the cache. Returns logits (B, T, V), or (B, 1, V) for the last position of
   * each row with `lastOnly`; the caller frees the returned buffer.
   */
  async forward(ids: Int32Array, cache: KVCache, pos: number, options: { lastOnly?: boolean } = {}): Promise<Buf> {
    const be = this.backend;
    const { B } = cache;
    const T = ids.length / B;
    const { nEmbd: C, nHead: H, nInner: F, vocabSize: V, layerNormEpsilon: eps } = this.config;
    if (!Number.isInteger(T) || T < 1) throw new Error(`Gpt2Engine.forward: ${ids.length} ids do not split into ${B} rows`);
    if (pos + T > cache.Tmax) throw new Error(`Gpt2Engine.forward: positions ${pos}..${pos + T - 1} exceed the cache (${cache.Tmax} positions)`);
    const N = B * T;
    const temps: Buf[] = [];
    const tmp = (n: number, dtype: 'f32' | 'i32' = 'f32') => {
      const b = be.alloc(dtype, n);
      temps.push(b);
      return b;
    };
    try {
      const idsBuf = tmp(N, 'i32');
      be.write(idsBuf, ids);
      const posIds = new Int32Array(N).map((_, i) => pos + (i % T));
      const posBuf = tmp(N, 'i32');
      be.write(posBuf, posIds);
      // Residual stream in two buffers, never aliased in one op (GPU backends forbid it).
      let x = tmp(N * C);
      let y = tmp(N * C);
      const h = tmp(N * C);
      const mean = tmp(N);
      const rstd = tmp(N);
      const qkv = tmp(N * 3 * C);
      const att = tmp(N * C);
      const f = tmp(N * F);
      const g = tmp(N * F);
      lookupRows(be, this.lin('transformer.wte.weight'), y, idsBuf, ids, N);
      be.embedding(h, this.vec('transformer.wpe.weight'), posBuf, N, C);
      be.add(x, y, h, N * C);
      for (let l = 0; l < this.config.nLayer; l++) {
        const p = `transformer.h.${l}.`;
        be.layernorm(h, mean, rstd, x, this.vec(`${p}ln_1.weight`), this.vec(`${p}ln_1.bias`), N, C, eps);
        applyLinear(be, this.lin(`${p}attn.c_attn.weight`), qkv, h, N);
        await attentionKV(be, { qkv, kCache: cache.k[l], vCache: cache.v[l], out: att, B, Tq: T, Tmax: cache.Tmax, pos, H, Hkv: H, D: C / H });
        applyLinear(be, this.lin(`${p}attn.c_proj.weight`), h, att, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
        be.layernorm(h, mean, rstd, x, this.vec(`${p}ln_2.weight`), this.vec(`${p}ln_2.bias`), N, C, eps);
        applyLinear(be, this.lin(`${p}mlp.c_fc.weight`), f, h, N);
        be.gelu(g, f, N * F);
        applyLinear(be, this.lin(`${p}mlp.c_proj.weight`), h, g, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
      }
      be.layernorm(h, mean, rstd, x, this.vec('transformer.ln_f.weight'), this.vec('transformer.ln_f.bias'), N, C, eps);
      const head = this.lin('transformer.wte.weight');
      if (!options.lastOnly) {
        const logits = be.alloc('f32', N * V);
        applyLinear(be, head, logits, h, N);
        return logits;
      }
      const logits = be.alloc('f32', B * V);
      for (let b = 0; b < B; b++) {
        applyLinear(be, head, { buf: logits, offset: b * V }, { buf: h, offset: (b * T + T - 1) * C }, 1);
      }
      return logits;
    } finally {
      for (const b of temps) be.free(b);
    }
  }

  /**
   * Per-token cross-entropy (nats) of targets given ids, both (B, T), in one
   * forward from position 0. Targets equal to ignoreIndex give 0.
   */
  async tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex = -100): Promise<Float32Array> {
    const be = this.backend;
    const T = ids.length / B;
    const cache = this.createCache(B, T);
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

  /** Writes config.json + model.safetensors (quantized matrices stay quantized; see engine-io.ts). */
  save(dir: string): Promise<string[]> {
    return saveEngine(this, dir);
  }

  /** Frees the quantized buffers this engine owns (dense ones belong to the model it came from). */
  dispose(): void {
    for (const w of this.linear.values()) freeWeight(this.backend, w);
  }
}
