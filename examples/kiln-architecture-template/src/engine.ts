/**
 * Inference without the tape (the InferenceEngine contract of @kiln/tensor):
 * the KV-cached forward that eval, generate and serve run, over the model's own
 * buffers or a saved directory, with matrices a compressor may quantize.
 * Each line mirrors a layer of TemplateModel.forward.
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
import { fromConfigJson, MODEL_TYPE, type TemplateConfig, toConfigJson, WRITER } from './config.js';
import type { TemplateModel } from './model.js';

/** Every matrix by name (all [out, in], as nn.Linear stores them); the embedding is one too, so it quantizes. */
function matrixNames(nLayer: number): string[] {
  const names = ['embed.weight', 'head.weight'];
  for (let l = 0; l < nLayer; l++)
    for (const m of ['attn.qkv', 'attn.proj', 'mlp.fc', 'mlp.proj']) names.push(`blocks.${l}.${m}.weight`);
  return names;
}

const layouts = (nLayer: number) => new Map(matrixNames(nLayer).map((name) => [name, { layout: 'out-in' as const }]));

export class TemplateEngine implements InferenceEngine {
  readonly architecture = MODEL_TYPE;
  readonly kind = 'causal';
  readonly matrices: EngineWeights;

  constructor(
    readonly backend: Backend,
    readonly config: TemplateConfig,
  ) {
    this.matrices = new EngineWeights(backend, 'TemplateEngine', ['embed.weight']);
  }

  /** An engine over a model's parameter buffers (valid while the model lives). */
  static fromModel(model: TemplateModel): TemplateEngine {
    const engine = new TemplateEngine(model.backend, model.config);
    const matrices = new Set(matrixNames(model.config.nLayer));
    for (const [name, t] of model.parameters()) {
      if (matrices.has(name)) engine.matrices.setDense(name, t, 'out-in', null);
      else engine.matrices.dense.set(name, { view: t.view, shape: t.shape });
    }
    return engine;
  }

  /** A directory TemplateModel.save or this engine's save wrote (quantized matrices stay quantized). */
  static async load(dir: string, backend: Backend, quantization?: QuantizationConfig): Promise<TemplateEngine> {
    const configPath = join(dir, 'config.json');
    const engine = new TemplateEngine(
      backend,
      fromConfigJson(JSON.parse(await readFile(configPath, 'utf8')), configPath),
    );
    await engine.matrices.load(dir, quantization ?? (await readQuantization(dir)), layouts(engine.config.nLayer));
    return engine;
  }

  createCache(B: number, Tmax = this.config.nPositions): KVCache {
    checkCacheLength('TemplateEngine', Tmax, this.config.nPositions);
    return allocKVCache(this.backend, this.config.nLayer, B, Tmax, this.config.nEmbd);
  }

  freeCache(cache: KVCache): void {
    freeKVCache(this.backend, cache);
  }

  /** ids (B, T) at positions pos..pos+T-1 → logits (B, T, V), or (B, 1, V) with lastOnly; the caller frees them. */
  async forward(ids: Int32Array, cache: KVCache, pos: number, options: { lastOnly?: boolean } = {}): Promise<Buf> {
    const be = this.backend;
    const { B } = cache;
    const T = cachedRowLength('TemplateEngine', ids, cache, pos);
    const { nEmbd: C, nHead: H, nInner: F, vocabSize: V, normEps: eps } = this.config;
    const N = B * T;
    const scratch = new ScratchBuffers(be);
    const tmp = scratch.alloc;
    const m = this.matrices;
    try {
      const idsBuf = tmp(N, 'i32');
      be.write(idsBuf, ids);
      const posBuf = tmp(N, 'i32');
      be.write(
        posBuf,
        new Int32Array(N).map((_, i) => pos + (i % T)),
      );
      // The residual stream lives in two buffers that swap, never aliased within one op.
      let x = tmp(N * C);
      let y = tmp(N * C);
      const h = tmp(N * C);
      const rstd = tmp(N);
      const qkv = tmp(N * 3 * C);
      const att = tmp(N * C);
      const f = tmp(N * F);
      const g = tmp(N * F);
      lookupRows(be, m.lin('embed.weight'), y, idsBuf, ids, N);
      be.embedding(h, m.vec('pos.weight'), posBuf, N, C);
      be.add(x, y, h, N * C);
      for (let l = 0; l < this.config.nLayer; l++) {
        const p = `blocks.${l}.`;
        be.rmsnorm(h, rstd, x, m.vec(`${p}norm1.weight`), N, C, eps);
        applyLinear(be, m.lin(`${p}attn.qkv.weight`), qkv, h, N);
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
        applyLinear(be, m.lin(`${p}attn.proj.weight`), h, att, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
        be.rmsnorm(h, rstd, x, m.vec(`${p}norm2.weight`), N, C, eps);
        applyLinear(be, m.lin(`${p}mlp.fc.weight`), f, h, N);
        be.gelu(g, f, N * F);
        applyLinear(be, m.lin(`${p}mlp.proj.weight`), h, g, N);
        be.add(y, x, h, N * C);
        [x, y] = [y, x];
      }
      be.rmsnorm(h, rstd, x, m.vec('norm.weight'), N, C, eps);
      const head = m.lin('head.weight');
      if (!options.lastOnly) {
        const logits = be.alloc('f32', N * V);
        applyLinear(be, head, logits, h, N);
        return logits;
      }
      const logits = be.alloc('f32', B * V);
      for (let b = 0; b < B; b++)
        applyLinear(be, head, { buf: logits, offset: b * V }, { buf: h, offset: (b * T + T - 1) * C }, 1);
      return logits;
    } finally {
      scratch.free();
    }
  }

  tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex = -100): Promise<Float32Array> {
    return causalTokenLosses(this, ids, targets, B, ignoreIndex);
  }

  save(dir: string): Promise<string[]> {
    return this.matrices.save(dir, toConfigJson(this.config), WRITER);
  }

  dispose(): void {
    this.matrices.dispose();
  }
}
