/**
 * GPT-2 inference without the autograd tape: forward over new tokens with a
 * KV cache (prefill, then one token per step), dense or quantized weights.
 * Built from a trained GPT2 by pointing at its parameter buffers (no copy);
 * compressors swap individual matrices for quantized ones. Files: Hugging
 * Face's GPT-2 layout, quantized matrices as EngineWeights stores them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  allocKVCache,
  applyLinear,
  type Backend,
  type Buf,
  cachedRowLength,
  causalTokenLosses,
  checkCacheLength,
  EngineWeights,
  freeKVCache,
  type InferenceEngine,
  type KVCache,
  lookupRows,
  type QuantizationConfig,
  readQuantization,
  runAttentionKV,
  ScratchBuffers,
} from '@kiln/tensor';
import { fromHFConfig, type GPT2Config, toHFConfig } from './config.js';
import { Gpt2Decoder } from './decode.js';
import { type GPT2, WRITER } from './model.js';
import { type LayerNames, LN_F, layerNames, linearNames, WPE, WTE } from './weight-names.js';

export { linearNames } from './weight-names.js';

/** GPT-2's hyperparameters, as validateConfig resolves them. */
export type Gpt2EngineConfig = Required<GPT2Config>;

/** Each matrix's layout and bias: wte is [V, C] (nn.Linear layout for the LM head), Conv1D weights are [in, out]. */
function layouts(nLayer: number): Map<string, { layout: 'in-out' | 'out-in'; bias?: string }> {
  return new Map(
    linearNames(nLayer).map((name) => [
      name,
      name === WTE ? { layout: 'out-in' } : { layout: 'in-out', bias: name.replace(/weight$/, 'bias') },
    ]),
  );
}

export class Gpt2Engine implements InferenceEngine {
  readonly architecture = 'gpt2';
  readonly kind = 'causal';
  /** Its weights by name: matrices (dense or quantized, which compressors may replace) and the other tensors. */
  readonly matrices: EngineWeights;
  /** Every layer's weight names, built once. */
  private readonly names: LayerNames;
  /** decode(), with its per-row buffers kept between steps. */
  private readonly decoder: Gpt2Decoder;

  constructor(
    readonly backend: Backend,
    readonly config: Gpt2EngineConfig,
  ) {
    this.matrices = new EngineWeights(backend, 'Gpt2Engine', [WTE]);
    this.names = layerNames(config.nLayer);
    this.decoder = new Gpt2Decoder(backend, this.config, this.matrices, this.names);
  }

  /** An engine over a GPT2 module's own parameter buffers (stays valid while the model lives). */
  static fromGpt2(model: GPT2): Gpt2Engine {
    const engine = new Gpt2Engine(model.backend, { ...model.config });
    const params = model.parameters();
    const matrices = layouts(model.config.nLayer);
    for (const [name, t] of params) {
      const m = matrices.get(name);
      if (!m) engine.matrices.dense.set(name, { view: t.view, shape: t.shape });
      else
        engine.matrices.setDense(name, t, m.layout, m.bias === undefined ? null : (params.get(m.bias)?.view ?? null));
    }
    return engine;
  }

  /** Loads a directory written by save() (quantized or not) or by Hugging Face's save_pretrained. */
  static async load(dir: string, backend: Backend, quantization?: QuantizationConfig): Promise<Gpt2Engine> {
    const configPath = join(dir, 'config.json');
    const c = fromHFConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
    const engine = new Gpt2Engine(backend, c);
    // HF files may also hold the tied lm_head and the old causal-mask buffers.
    const skip = (n: string) => n === 'lm_head.weight' || /\.attn\.(masked_)?bias$/.test(n);
    await engine.matrices.load(dir, quantization ?? (await readQuantization(dir)), layouts(c.nLayer), skip);
    return engine;
  }

  createCache(B: number, Tmax = this.config.nPositions): KVCache {
    checkCacheLength('Gpt2Engine', Tmax, this.config.nPositions);
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
    const T = cachedRowLength('Gpt2Engine', ids, cache, pos);
    const { nEmbd: C, nHead: H, nInner: F, vocabSize: V, layerNormEpsilon: eps } = this.config;
    const N = B * T;
    const scratch = new ScratchBuffers(be);
    const tmp = scratch.alloc;
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
      lookupRows(be, this.matrices.lin(WTE), y, idsBuf, ids, N);
      be.embedding(h, this.matrices.vec(WPE), posBuf, N, C);
      be.add(x, y, h, N * C);
      for (let l = 0; l < this.config.nLayer; l++) {
        const name = this.names[l];
        be.layernorm(h, mean, rstd, x, this.matrices.vec(name.ln1[0]), this.matrices.vec(name.ln1[1]), N, C, eps);
        applyLinear(be, this.matrices.lin(name.attn), qkv, h, N);
        await runAttentionKV(be, {
          qkv,
          kCache: cache.k[l],
          vCache: cache.v[l],
          out: att,
          B,
          Tq: T,
          Tmax: cache.Tmax,
          pos,
          H,
          Hkv: H,
          D: C / H,
        });
        applyLinear(be, this.matrices.lin(name.proj), h, att, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
        be.layernorm(h, mean, rstd, x, this.matrices.vec(name.ln2[0]), this.matrices.vec(name.ln2[1]), N, C, eps);
        applyLinear(be, this.matrices.lin(name.fc), f, h, N);
        be.gelu(g, f, N * F);
        applyLinear(be, this.matrices.lin(name.out), h, g, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
      }
      be.layernorm(h, mean, rstd, x, this.matrices.vec(LN_F[0]), this.matrices.vec(LN_F[1]), N, C, eps);
      const head = this.matrices.lin(WTE);
      if (!options.lastOnly) {
        const logits = be.alloc('f32', N * V);
        applyLinear(be, head, logits, h, N);
        return logits;
      }
      // Each row's last position, gathered so the head runs once over all rows.
      const last = T === 1 ? h : tmp(B * C);
      if (T > 1)
        for (let b = 0; b < B; b++) be.copy({ buf: last, offset: b * C }, { buf: h, offset: (b * T + T - 1) * C }, C);
      const logits = be.alloc('f32', B * V);
      applyLinear(be, head, logits, last, B);
      return logits;
    } finally {
      scratch.free();
    }
  }

  /** One new token for each of several sequences in their own cache rows and positions (see decode.ts). */
  decode(ids: Int32Array, cache: KVCache, rows: Int32Array, positions: Int32Array): Promise<Buf> {
    return this.decoder.step(ids, cache, rows, positions);
  }

  tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex = -100): Promise<Float32Array> {
    return causalTokenLosses(this, ids, targets, B, ignoreIndex);
  }

  /** Writes config.json + model.safetensors (quantized matrices stay quantized). */
  save(dir: string): Promise<string[]> {
    return this.matrices.save(dir, toHFConfig(this.config, WRITER), WRITER);
  }

  /** Frees the buffers this engine owns (dense ones over a model belong to the model). */
  dispose(): void {
    this.decoder.dispose();
    this.matrices.dispose();
  }
}
