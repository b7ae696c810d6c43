/**
 * Llama inference without the autograd tape: forward over new tokens with a
 * KV cache (prefill, then one token per step), dense or quantized matrices,
 * over a trained Llama's own parameter buffers (no copy). Compressors swap
 * matrices for quantized ones. Files: a model whose matrices are all its own
 * saves as the model does (Hugging Face names); a compressed one stores Kiln's
 * fused names (qkv_proj, gate_up_proj) with quantized matrices as EngineWeights does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  allocKVCache,
  applyLinear,
  type Backend,
  type Buf,
  type BufView,
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
import { fromHFConfig, type LlamaConfig, toHFConfig } from './config.js';
import { LlamaDecoder } from './decode.js';
import { type Llama, WRITER } from './model.js';
import { EMBED, FINAL_NORM, headName, type LayerNames, layerNames, matrixNames, stepShape } from './weight-names.js';

/** Keys and values of every layer, (B, Tmax, Hkv·D) each. */
export type LlamaKVCache = KVCache;

export class LlamaEngine implements InferenceEngine {
  readonly architecture = 'llama';
  readonly kind = 'causal';
  /** Its weights by name: matrices (dense or quantized, which compressors may replace) and the other tensors. */
  readonly matrices: EngineWeights;
  /** Every layer's weight names, built once. */
  private readonly names: LayerNames;
  /** decode(), with its per-row buffers kept between steps. */
  private readonly decoder: LlamaDecoder;

  constructor(
    readonly backend: Backend,
    readonly config: Required<LlamaConfig>,
    /** The model whose buffers the engine runs on, if any. */
    private readonly model?: Llama,
  ) {
    this.matrices = new EngineWeights(backend, 'LlamaEngine', [EMBED]);
    this.names = layerNames(config.nLayer);
    this.decoder = new LlamaDecoder(backend, this.config, this.matrices, this.names);
  }

  /** An engine over a Llama's own parameter buffers (stays valid while the model lives). */
  static fromLlama(model: Llama): LlamaEngine {
    const engine = new LlamaEngine(model.backend, { ...model.config }, model);
    const matrices = new Set(matrixNames(model.config));
    for (const [name, t] of model.parameters()) {
      if (matrices.has(name)) engine.matrices.setDense(name, t, 'out-in', null);
      else engine.matrices.dense.set(name, { view: t.view, shape: t.shape });
    }
    return engine;
  }

  /** Loads a directory a compressed engine saved (quantization_config in config.json, Kiln's fused names). */
  static async load(dir: string, backend: Backend, quantization?: QuantizationConfig): Promise<LlamaEngine> {
    const configPath = join(dir, 'config.json');
    const c = fromHFConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
    const engine = new LlamaEngine(backend, c);
    const layouts = new Map(matrixNames(c).map((n) => [n, { layout: 'out-in' as const }]));
    await engine.matrices.load(dir, quantization ?? (await readQuantization(dir)), layouts, (n) =>
      /\.rotary_emb\.inv_freq$/.test(n),
    );
    return engine;
  }

  createCache(B: number, Tmax = this.config.nPositions): LlamaKVCache {
    checkCacheLength('LlamaEngine', Tmax, this.config.nPositions);
    const { Hkv, D } = stepShape(this.config);
    return allocKVCache(this.backend, this.config.nLayer, B, Tmax, Hkv * D);
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
    const T = cachedRowLength('LlamaEngine', ids, cache, pos);
    const { C, H, Hkv, D, S, F, V, eps, theta } = stepShape(this.config);
    const N = B * T;
    const w = this.matrices;
    const scratch = new ScratchBuffers(be);
    const tmp = scratch.alloc;
    const linear = (out: BufView, x: BufView, name: string, M: number) => applyLinear(be, w.lin(name), out, x, M);
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
      lookupRows(be, w.lin(EMBED), x, idsBuf, ids, N);
      for (let l = 0; l < this.config.nLayer; l++) {
        const name = this.names[l];
        be.rmsnorm(h, rstd, x, w.vec(name.norm1), N, C, eps);
        linear(qkv, h, name.qkv, N);
        be.rope({ out: roped, inp: qkv, B, T, H, Hkv, D, theta, posOffset: pos });
        await runAttentionKV(be, {
          qkv: roped,
          kCache: cache.k[l],
          vCache: cache.v[l],
          out: att,
          B,
          Tq: T,
          Tmax: cache.Tmax,
          pos,
          H,
          Hkv,
          D,
        });
        linear(h, att, name.o, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
        be.rmsnorm(h, rstd, x, w.vec(name.norm2), N, C, eps);
        linear(gu, h, name.gateUp, N);
        be.swiglu(g, gu, N, F);
        linear(h, g, name.down, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
      }
      be.rmsnorm(h, rstd, x, w.vec(FINAL_NORM), N, C, eps);
      const head = headName(this.config);
      if (!options.lastOnly) {
        const logits = be.alloc('f32', N * V);
        linear(logits, h, head, N);
        return logits;
      }
      const logits = be.alloc('f32', B * V);
      for (let b = 0; b < B; b++)
        linear({ buf: logits, offset: b * V }, { buf: h, offset: (b * T + T - 1) * C }, head, 1);
      return logits;
    } finally {
      scratch.free();
    }
  }

  /** One new token for each of several sequences in their own cache rows and positions (see decode.ts). */
  decode(ids: Int32Array, cache: LlamaKVCache, rows: Int32Array, positions: Int32Array): Promise<Buf> {
    return this.decoder.step(ids, cache, rows, positions);
  }

  tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex = -100): Promise<Float32Array> {
    return causalTokenLosses(this, ids, targets, B, ignoreIndex);
  }

  /** The model's own files while every matrix is the model's; the engine's (quantized) files once one was replaced. */
  save(dir: string): Promise<string[]> {
    if (this.model && !this.matrices.replaced) return this.model.save(dir);
    return this.matrices.save(dir, toHFConfig(this.config, WRITER), WRITER);
  }

  dispose(): void {
    this.decoder.dispose();
    this.matrices.dispose();
  }
}
