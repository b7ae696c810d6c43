/**
 * BERT inference without the autograd tape: one bidirectional forward over
 * whole sequences (no KV cache: every position sees every other), dense or
 * quantized matrices, over a trained BertForMaskedLM's own buffers (no copy).
 * It scores tokens (masked-LM losses) and does not generate. Files: a model
 * whose matrices are all its own saves as the model does (Hugging Face names);
 * a compressed one stores Kiln's fused qkv with quantized matrices as EngineWeights does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applyLinear,
  type Backend,
  type Buf,
  type BufView,
  EngineWeights,
  lookupRows,
  lossesFromLogits,
  type MaskedLMEngine,
  type QuantizationConfig,
  readQuantization,
  ScratchBuffers,
} from '@kiln/tensor';
import { type BertConfig, fromHFConfig, toHFConfig } from './config.js';
import { type BertForMaskedLM, WRITER } from './model.js';

const WORD = 'bert.embeddings.word_embeddings.weight';

/** Every matrix (nn.Linear layout [out, in]) with its bias, by Kiln's parameter name. */
function matrices(c: Required<BertConfig>): Map<string, { layout: 'out-in'; bias?: string }> {
  const m = new Map<string, { layout: 'out-in'; bias?: string }>([[WORD, { layout: 'out-in' }]]);
  const add = (prefix: string) => m.set(`${prefix}.weight`, { layout: 'out-in', bias: `${prefix}.bias` });
  for (let l = 0; l < c.nLayer; l++) {
    const p = `bert.encoder.layer.${l}.`;
    for (const s of ['attention.self.qkv', 'attention.output.dense', 'intermediate.dense', 'output.dense']) add(p + s);
  }
  add('cls.predictions.transform.dense');
  return m;
}

export class BertEngine implements MaskedLMEngine {
  readonly architecture = 'bert';
  readonly kind = 'masked';
  /** Its weights by name: matrices (dense or quantized, which compressors may replace) and the other tensors. */
  readonly matrices: EngineWeights;

  constructor(
    readonly backend: Backend,
    readonly config: Required<BertConfig>,
    private readonly model?: BertForMaskedLM,
  ) {
    this.matrices = new EngineWeights(backend, 'BertEngine', [WORD]);
  }

  /** An engine over a BertForMaskedLM's own parameter buffers (stays valid while the model lives). */
  static fromBert(model: BertForMaskedLM): BertEngine {
    const engine = new BertEngine(model.backend, { ...model.config }, model);
    const params = model.parameters();
    const layouts = matrices(model.config);
    for (const [name, t] of params) {
      const m = layouts.get(name);
      if (m)
        engine.matrices.setDense(name, t, m.layout, m.bias === undefined ? null : (params.get(m.bias)?.view ?? null));
      else engine.matrices.dense.set(name, { view: t.view, shape: t.shape });
    }
    return engine;
  }

  /** Loads a directory a compressed engine saved (quantization_config in config.json, Kiln's fused qkv). */
  static async load(dir: string, backend: Backend, quantization?: QuantizationConfig): Promise<BertEngine> {
    const configPath = join(dir, 'config.json');
    const c = fromHFConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
    const engine = new BertEngine(backend, c);
    await engine.matrices.load(dir, quantization ?? (await readQuantization(dir)), matrices(c), (n) =>
      n.endsWith('.position_ids'),
    );
    return engine;
  }

  /** ids (B, T) → MLM logits (B, T, V), token type 0 everywhere; the caller frees the buffer. */
  logits(ids: Int32Array, B: number): Buf {
    const be = this.backend;
    const w = this.matrices;
    const T = ids.length / B;
    const { nEmbd: C, nHead: H, intermediateSize: F, vocabSize: V, layerNormEps: eps, nPositions } = this.config;
    if (!Number.isInteger(T) || T < 1) throw new Error(`BertEngine: ${ids.length} ids do not split into ${B} rows`);
    if (T > nPositions) throw new Error(`BertEngine: sequence length ${T} exceeds the ${nPositions} positions`);
    const N = B * T;
    const scratch = new ScratchBuffers(be);
    const tmp = scratch.alloc;
    const linear = (out: BufView, x: BufView, name: string) => applyLinear(be, w.lin(name), out, x, N);
    const norm = (out: BufView, x: BufView, prefix: string) =>
      be.layernorm(out, mean, rstd, x, w.vec(`${prefix}.weight`), w.vec(`${prefix}.bias`), N, C, eps);
    const mean = tmp(N);
    const rstd = tmp(N);
    try {
      const idsBuf = tmp(N, 'i32');
      be.write(idsBuf, ids);
      const posBuf = tmp(N, 'i32');
      be.write(
        posBuf,
        Int32Array.from({ length: N }, (_, i) => i % T),
      );
      const typeBuf = tmp(N, 'i32');
      be.write(typeBuf, new Int32Array(N));
      let x = tmp(N * C);
      let a = tmp(N * C);
      const b = tmp(N * C);
      const qkv = tmp(N * 3 * C);
      const lse = tmp(B * H * T);
      const f = tmp(N * F);
      const g = tmp(N * F);
      lookupRows(be, w.lin(WORD), a, idsBuf, ids, N);
      be.embedding(b, w.vec('bert.embeddings.position_embeddings.weight'), posBuf, N, C);
      be.add(x, a, b, N * C);
      be.embedding(b, w.vec('bert.embeddings.token_type_embeddings.weight'), typeBuf, N, C);
      be.add(a, x, b, N * C);
      norm(x, a, 'bert.embeddings.LayerNorm');
      for (let l = 0; l < this.config.nLayer; l++) {
        const p = `bert.encoder.layer.${l}.`;
        // Post-norm: h = LN(x + attn(x)); x = LN(h + W2·gelu(W1·h)).
        linear(qkv, x, `${p}attention.self.qkv.weight`);
        be.attention({ qkv, out: a, lse, B, T, H, Hkv: H, D: C / H, causal: false });
        linear(b, a, `${p}attention.output.dense.weight`);
        be.add(a, b, x, N * C);
        norm(b, a, `${p}attention.output.LayerNorm`);
        linear(f, b, `${p}intermediate.dense.weight`);
        be.gelu(g, f, N * F);
        linear(a, g, `${p}output.dense.weight`);
        be.add(x, a, b, N * C);
        norm(a, x, `${p}output.LayerNorm`);
        [x, a] = [a, x];
      }
      linear(a, x, 'cls.predictions.transform.dense.weight');
      be.gelu(b, a, N * C);
      norm(a, b, 'cls.predictions.transform.LayerNorm');
      // The decoder is tied to the word embeddings and has its own bias.
      const logits = be.alloc('f32', N * V);
      applyLinear(be, { ...w.lin(WORD), bias: w.vec('cls.predictions.bias') }, logits, a, N);
      return logits;
    } finally {
      scratch.free();
    }
  }

  /** Cross-entropy (nats) of the token at each position given the whole of ids (with its masks); ignoreIndex targets give 0. */
  tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex = -100): Promise<Float32Array> {
    if (targets.length !== ids.length)
      throw new Error(`BertEngine.tokenLosses: ${targets.length} targets for ${ids.length} ids`);
    return lossesFromLogits(this.backend, this.logits(ids, B), targets, this.config.vocabSize, ignoreIndex);
  }

  save(dir: string): Promise<string[]> {
    if (this.model && !this.matrices.replaced) return this.model.save(dir);
    return this.matrices.save(dir, toHFConfig(this.config, WRITER), WRITER);
  }

  dispose(): void {
    this.matrices.dispose();
  }
}
