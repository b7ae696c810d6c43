import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  add,
  attention,
  type Backend,
  createRng,
  crossEntropy,
  Embedding,
  gelu,
  IGNORE_INDEX,
  LayerNorm,
  Linear,
  linear,
  linearLayers,
  Module,
  ModuleList,
  type Rng,
  readSafetensors,
  Tensor,
  writeFileAtomic,
  writeSafetensors,
} from '@kiln/tensor';
import { type BertConfig, fromHFConfig, toHFConfig, validateConfig } from './config.js';
import { fromHFTensors, type HostTensor, toHFTensors } from './hf-names.js';

export const WRITER = 'kiln:bert@0.1.0';

type C = Required<BertConfig>;

/** HF BertEmbeddings: LayerNorm(word + position + token type). */
class Embeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    const std = c.initializerRange;
    this.wordEmbeddings = this.child('word_embeddings', new Embedding(backend, c.vocabSize, c.nEmbd, rng, std));
    this.positionEmbeddings = this.child(
      'position_embeddings',
      new Embedding(backend, c.nPositions, c.nEmbd, rng, std),
    );
    this.tokenTypeEmbeddings = this.child(
      'token_type_embeddings',
      new Embedding(backend, c.typeVocabSize, c.nEmbd, rng, std),
    );
    this.layerNorm = this.child('LayerNorm', new LayerNorm(backend, c.nEmbd, c.layerNormEps));
  }

  forward(ids: Tensor, positions: Tensor, types: Tensor): Tensor {
    const x = add(
      add(this.wordEmbeddings.forward(ids), this.positionEmbeddings.forward(positions)),
      this.tokenTypeEmbeddings.forward(types),
    );
    return this.layerNorm.forward(x);
  }
}

/** A Linear followed by LayerNorm of (its output + the residual): BERT's post-norm sub-layer output. */
class DenseAddNorm extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(backend: Backend, rng: Rng, inFeatures: number, c: C) {
    super(backend);
    this.dense = this.child('dense', new Linear(backend, inFeatures, c.nEmbd, rng, { std: c.initializerRange }));
    this.layerNorm = this.child('LayerNorm', new LayerNorm(backend, c.nEmbd, c.layerNormEps));
  }

  forward(x: Tensor, residual: Tensor): Tensor {
    return this.layerNorm.forward(add(this.dense.forward(x), residual));
  }
}

/** HF BertSelfAttention with query|key|value fused (see hf-names.ts); bidirectional. */
class SelfAttention extends Module {
  readonly qkv: Linear;

  constructor(
    backend: Backend,
    rng: Rng,
    readonly c: C,
  ) {
    super(backend);
    this.qkv = this.child('qkv', new Linear(backend, c.nEmbd, 3 * c.nEmbd, rng, { std: c.initializerRange }));
  }

  forward(x: Tensor, segments?: Tensor): Tensor {
    const { nHead: H, nEmbd } = this.c;
    return attention(this.qkv.forward(x), { H, Hkv: H, D: nEmbd / H, causal: false, segments });
  }
}

class Attention extends Module {
  readonly self: SelfAttention;
  readonly output: DenseAddNorm;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.self = this.child('self', new SelfAttention(backend, rng, c));
    this.output = this.child('output', new DenseAddNorm(backend, rng, c.nEmbd, c));
  }

  forward(x: Tensor, segments?: Tensor): Tensor {
    return this.output.forward(this.self.forward(x, segments), x);
  }
}

class Intermediate extends Module {
  readonly dense: Linear;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.dense = this.child(
      'dense',
      new Linear(backend, c.nEmbd, c.intermediateSize, rng, { std: c.initializerRange }),
    );
  }

  forward(x: Tensor): Tensor {
    return gelu(this.dense.forward(x));
  }
}

/** HF BertLayer (post-norm): h = LN(x + attn(x)); out = LN(h + W2·gelu(W1·h)). */
class Layer extends Module {
  readonly attention: Attention;
  readonly intermediate: Intermediate;
  readonly output: DenseAddNorm;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.attention = this.child('attention', new Attention(backend, rng, c));
    this.intermediate = this.child('intermediate', new Intermediate(backend, rng, c));
    this.output = this.child('output', new DenseAddNorm(backend, rng, c.intermediateSize, c));
  }

  forward(x: Tensor, segments?: Tensor): Tensor {
    const h = this.attention.forward(x, segments);
    return this.output.forward(this.intermediate.forward(h), h);
  }
}

class Encoder extends Module {
  readonly layer: ModuleList<Layer>;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.layer = this.child('layer', new ModuleList<Layer>(backend));
    for (let i = 0; i < c.nLayer; i++) this.layer.push(new Layer(backend, rng, c));
  }
}

/** HF BertModel without the pooler (BertForMaskedLM has none): the `bert.` prefix. */
class BertModel extends Module {
  readonly embeddings: Embeddings;
  readonly encoder: Encoder;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.embeddings = this.child('embeddings', new Embeddings(backend, rng, c));
    this.encoder = this.child('encoder', new Encoder(backend, rng, c));
  }
}

/** HF BertPredictionHeadTransform: LayerNorm(gelu(dense(x))). */
class Transform extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.dense = this.child('dense', new Linear(backend, c.nEmbd, c.nEmbd, rng, { std: c.initializerRange }));
    this.layerNorm = this.child('LayerNorm', new LayerNorm(backend, c.nEmbd, c.layerNormEps));
  }

  forward(x: Tensor): Tensor {
    return this.layerNorm.forward(gelu(this.dense.forward(x)));
  }
}

/** HF BertLMPredictionHead: transform, then the decoder tied to the word embeddings, plus its own bias. */
class Predictions extends Module {
  readonly transform: Transform;
  readonly bias: Tensor;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.transform = this.child('transform', new Transform(backend, rng, c));
    this.bias = this.param('bias', Tensor.zeros(backend, [c.vocabSize]), false);
  }
}

class MLMHead extends Module {
  readonly predictions: Predictions;

  constructor(backend: Backend, rng: Rng, c: C) {
    super(backend);
    this.predictions = this.child('predictions', new Predictions(backend, rng, c));
  }
}

export interface ForwardOptions {
  /** Sequence length when ids is a flat Int32Array of B·T tokens (default: all of it, B = 1). */
  T?: number;
  /** Loss = sum of token losses / normalizer. Default: the number of targets that are not ignoreIndex (HF's mean). */
  normalizer?: number;
  /** Target id that adds no loss (default -100: every unmasked position). */
  ignoreIndex?: number;
  /** Token type (segment A/B) per token, B·T; default all 0. */
  tokenTypes?: Int32Array;
  /**
   * Packed rows: a segment id per token (B·T). Tokens attend only within their
   * segment and positions restart at 0 where a segment starts, so each packed
   * example sees what it would alone (HF's attention_mask, for packing instead of padding).
   */
  segments?: Int32Array;
}

/**
 * BERT for masked-LM pretraining (Hugging Face BertForMaskedLM): learned
 * positions and token types, post-norm encoder layers (LayerNorm eps 1e-12),
 * bidirectional attention, MLM head tied to the word embeddings. GELU is the
 * tanh form, hidden_act "gelu_new" (see config.ts). HF's padding_idx (a pad
 * row with no gradient) is not modelled: packed training has no padding.
 */
export class BertForMaskedLM extends Module {
  readonly config: C;
  readonly bert: BertModel;
  readonly cls: MLMHead;

  constructor(config: BertConfig, backend: Backend, rng: Rng = createRng(0)) {
    super(backend);
    this.config = validateConfig(config);
    this.bert = this.child('bert', new BertModel(backend, rng, this.config));
    this.cls = this.child('cls', new MLMHead(backend, rng, this.config));
  }

  /** ids (B,T) i32 → MLM logits (B,T,V), and the cross-entropy over the targets that are not ignoreIndex. */
  forward(
    ids: Int32Array,
    targets?: Int32Array | null,
    o: ForwardOptions = {},
  ): { logits: Tensor; loss: Tensor | null } {
    const x = this.hidden(ids, o);
    const p = this.cls.predictions;
    const logits = linear(p.transform.forward(x), this.bert.embeddings.wordEmbeddings.weight, p.bias);
    if (targets === undefined || targets === null) return { logits, loss: null };
    if (targets.length !== ids.length)
      throw new Error(`BertForMaskedLM.forward: ${targets.length} targets for ${ids.length} tokens`);
    const ignoreIndex = o.ignoreIndex ?? IGNORE_INDEX;
    let counted = 0;
    for (let i = 0; i < targets.length; i++) if (targets[i] !== ignoreIndex) counted++;
    const normalizer = o.normalizer ?? Math.max(counted, 1);
    const loss = crossEntropy(logits, Tensor.from(this.backend, targets, x.shape.slice(0, 2)), {
      normalizer,
      ignoreIndex,
    });
    return { logits, loss };
  }

  /** Its dense layers by Hugging Face name (AdaptableLM in @kiln/tensor): what LoRA adapts. */
  linearLayers(): Map<string, Linear> {
    return linearLayers(this);
  }

  /** ids (B,T) → the encoder's last hidden states (B,T,C) (what the MLM head, or a classifier, reads). */
  hidden(ids: Int32Array, o: Pick<ForwardOptions, 'T' | 'tokenTypes' | 'segments'> = {}): Tensor {
    const be = this.backend;
    const T = o.T ?? ids.length;
    if (!Number.isInteger(T) || T <= 0 || ids.length % T !== 0)
      throw new Error(`BertForMaskedLM.forward: ${ids.length} ids do not split into rows of T = ${T}`);
    const B = ids.length / T;
    if (T > this.config.nPositions)
      throw new Error(`BertForMaskedLM.forward: sequence length ${T} exceeds the ${this.config.nPositions} positions`);
    const seg = o.segments;
    if (seg && seg.length !== ids.length)
      throw new Error(`BertForMaskedLM.forward: ${seg.length} segment ids for ${ids.length} tokens`);
    const types = o.tokenTypes ?? new Int32Array(ids.length);
    if (types.length !== ids.length)
      throw new Error(`BertForMaskedLM.forward: ${types.length} token types for ${ids.length} tokens`);
    for (const t of types) {
      if (t < 0 || t >= this.config.typeVocabSize)
        throw new Error(`BertForMaskedLM.forward: token type ${t} is outside 0..${this.config.typeVocabSize - 1}`);
    }
    const pos = new Int32Array(ids.length);
    for (let i = 0; i < pos.length; i++) {
      const t = i % T;
      pos[i] = !seg ? t : t === 0 || seg[i] !== seg[i - 1] ? 0 : pos[i - 1] + 1;
    }
    const shape = [B, T];
    let x = this.bert.embeddings.forward(
      Tensor.from(be, ids, shape),
      Tensor.from(be, pos, shape),
      Tensor.from(be, types, shape),
    );
    const segT = seg ? Tensor.from(be, seg, shape) : undefined;
    for (const layer of this.bert.encoder.layer) x = layer.forward(x, segT);
    return x;
  }

  async hfStateDict(): Promise<Map<string, HostTensor>> {
    return toHFTensors(await this.stateDict());
  }

  /** Load weights under Hugging Face's names; the tied decoder, the pooler and the NSP head are ignored. */
  loadHFStateDict(state: Map<string, HostTensor>, source: string): void {
    const ignored = (n: string) =>
      /^cls\.predictions\.decoder\.(weight|bias)$/.test(n) ||
      /^bert\.pooler\./.test(n) ||
      /^cls\.seq_relationship\./.test(n) ||
      /\.position_ids$/.test(n);
    this.loadStateDict(fromHFTensors(state, source), source, ignored);
  }

  /** Write model.safetensors and config.json (Hugging Face layout) into dir, atomically. */
  async save(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    await writeSafetensors(join(dir, 'model.safetensors'), await this.hfStateDict(), { format: 'pt', writer: WRITER });
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(toHFConfig(this.config, WRITER), null, 2) + '\n');
    return ['model.safetensors', 'config.json'];
  }

  static async load(dir: string, backend: Backend): Promise<BertForMaskedLM> {
    const configPath = join(dir, 'config.json');
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (e) {
      throw new Error(`kiln:bert: cannot read ${configPath}: ${(e as Error).message}`);
    }
    const model = new BertForMaskedLM(fromHFConfig(json, configPath), backend);
    const weightsPath = join(dir, 'model.safetensors');
    const file = await readSafetensors(weightsPath);
    const state = new Map<string, HostTensor>();
    for (const [name, t] of file.tensors) {
      if (name.endsWith('.position_ids')) continue;
      if (!(t.data instanceof Float32Array))
        throw new Error(`${weightsPath}: '${name}' is ${t.dtype}, expected a float tensor`);
      state.set(name, { shape: t.shape, data: t.data });
    }
    model.loadHFStateDict(state, weightsPath);
    return model;
  }
}
