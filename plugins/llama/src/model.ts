import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  add,
  type Backend,
  CausalSelfAttention,
  createRng,
  crossEntropy,
  Embedding,
  Linear,
  linear,
  linearLayers,
  Module,
  ModuleList,
  RMSNorm,
  type Rng,
  readSafetensors,
  SwiGLUMLP,
  Tensor,
  writeFileAtomic,
  writeSafetensors,
} from '@kiln/tensor';
import { fromHFConfig, type LlamaConfig, toHFConfig, validateConfig } from './config.js';
import { fromHFTensors, type HostTensor, toHFTensors } from './hf-names.js';

export const WRITER = 'kiln:llama@0.1.0';

/** One decoder layer (HF LlamaDecoderLayer): x + attn(rms(x)), then + mlp(rms(h)). */
class DecoderLayer extends Module {
  readonly inputLayernorm: RMSNorm;
  readonly selfAttn: CausalSelfAttention;
  readonly postAttentionLayernorm: RMSNorm;
  readonly mlp: SwiGLUMLP;

  constructor(backend: Backend, rng: Rng, c: Required<LlamaConfig>) {
    super(backend);
    const std = c.initializerRange;
    this.inputLayernorm = this.child('input_layernorm', new RMSNorm(backend, c.nEmbd, c.rmsNormEps));
    this.selfAttn = this.child(
      'self_attn',
      new CausalSelfAttention(backend, rng, {
        nEmbd: c.nEmbd,
        nHead: c.nHead,
        nKvHead: c.nKvHead,
        rope: { theta: c.ropeTheta },
        bias: false,
        layout: 'out-in',
        std,
        names: { qkv: 'qkv_proj', proj: 'o_proj' },
      }),
    );
    this.postAttentionLayernorm = this.child('post_attention_layernorm', new RMSNorm(backend, c.nEmbd, c.rmsNormEps));
    this.mlp = this.child(
      'mlp',
      new SwiGLUMLP(backend, rng, {
        nEmbd: c.nEmbd,
        hidden: c.intermediateSize,
        bias: false,
        layout: 'out-in',
        std,
        names: { gateUp: 'gate_up_proj', down: 'down_proj' },
      }),
    );
  }

  forward(x: Tensor, segments?: Tensor): Tensor {
    const h = add(x, this.selfAttn.forward(this.inputLayernorm.forward(x), { segments }));
    return add(h, this.mlp.forward(this.postAttentionLayernorm.forward(h)));
  }
}

/** HF's LlamaModel: the `model.` prefix of every weight name. */
class LlamaModel extends Module {
  readonly embedTokens: Embedding;
  readonly layers: ModuleList<DecoderLayer>;
  readonly norm: RMSNorm;

  constructor(backend: Backend, rng: Rng, c: Required<LlamaConfig>) {
    super(backend);
    this.embedTokens = this.child(
      'embed_tokens',
      new Embedding(backend, c.vocabSize, c.nEmbd, rng, c.initializerRange),
    );
    this.layers = this.child('layers', new ModuleList<DecoderLayer>(backend));
    for (let i = 0; i < c.nLayer; i++) this.layers.push(new DecoderLayer(backend, rng, c));
    this.norm = this.child('norm', new RMSNorm(backend, c.nEmbd, c.rmsNormEps));
  }
}

export interface ForwardOptions {
  /** Sequence length when ids is a flat Int32Array of B·T tokens (default: all of it, B = 1). */
  T?: number;
  /** Loss = sum of token losses / normalizer (default: number of tokens). */
  normalizer?: number;
  /** Target id that adds no loss (default -100). */
  ignoreIndex?: number;
  /**
   * Packed rows: a segment id per token (B·T); tokens attend only within their segment.
   * Rotary embeddings are relative, so positions need no restart: each packed
   * example computes what it would alone.
   */
  segments?: Int32Array;
}

/**
 * Llama (Hugging Face LlamaForCausalLM): RMSNorm, rotary embeddings (rotate
 * half), SwiGLU MLP, grouped-query attention, no biases, LM head tied or not.
 * Internally q|k|v and gate|up are fused (see hf-names.ts); files carry HF's
 * separate q_proj/k_proj/v_proj and gate_proj/up_proj.
 */
export class Llama extends Module {
  readonly config: Required<LlamaConfig>;
  readonly model: LlamaModel;
  readonly lmHead: Linear | null;

  constructor(config: LlamaConfig, backend: Backend, rng: Rng = createRng(0)) {
    super(backend);
    this.config = validateConfig(config);
    this.model = this.child('model', new LlamaModel(backend, rng, this.config));
    this.lmHead = this.config.tieWordEmbeddings
      ? null
      : this.child(
          'lm_head',
          new Linear(backend, this.config.nEmbd, this.config.vocabSize, rng, {
            bias: false,
            std: this.config.initializerRange,
          }),
        );
  }

  /** ids (B,T) i32 → logits (B,T,V), and the cross-entropy against targets when given. */
  forward(
    ids: Tensor | Int32Array,
    targets?: Tensor | Int32Array | null,
    o: ForwardOptions = {},
  ): { logits: Tensor; loss: Tensor | null } {
    const x = this.hidden(ids, o);
    const [B, T] = x.shape;
    const logits = this.lmHead ? this.lmHead.forward(x) : linear(x, this.model.embedTokens.weight);
    if (targets === undefined || targets === null) return { logits, loss: null };
    const targetsT = targets instanceof Tensor ? targets : Tensor.from(this.backend, targets, [B, T]);
    const loss = crossEntropy(logits, targetsT, { normalizer: o.normalizer, ignoreIndex: o.ignoreIndex });
    return { logits, loss };
  }

  /** Its dense layers by Hugging Face name (AdaptableLM in @kiln/tensor): what LoRA adapts. */
  linearLayers(): Map<string, Linear> {
    return linearLayers(this);
  }

  /** ids (B,T) i32 → the final hidden states (B,T,C) after the last RMSNorm. */
  hidden(ids: Tensor | Int32Array, o: Pick<ForwardOptions, 'T' | 'segments'> = {}): Tensor {
    const be = this.backend;
    const idsT = ids instanceof Tensor ? ids : Tensor.from(be, ids, shapeOf(ids.length, o.T));
    const [B, T] = idsT.shape.length === 2 ? idsT.shape : [1, idsT.size];
    if (T > this.config.nPositions)
      throw new Error(`Llama.forward: sequence length ${T} exceeds the context (${this.config.nPositions} positions)`);
    if (o.segments && o.segments.length !== B * T)
      throw new Error(`Llama.forward: ${o.segments.length} segment ids for ${B * T} tokens`);
    const segT = o.segments ? Tensor.from(be, o.segments, [B, T]) : undefined;
    let x = this.model.embedTokens.forward(idsT);
    for (const layer of this.model.layers) x = layer.forward(x, segT);
    return this.model.norm.forward(x);
  }

  /** Parameters under Hugging Face's names (q/k/v, gate/up split), read back to the host. */
  async hfStateDict(): Promise<Map<string, HostTensor>> {
    return toHFTensors(await this.stateDict(), this.config);
  }

  /** Load weights given under Hugging Face's names (a tied lm_head.weight is accepted and ignored). */
  loadHFStateDict(state: Map<string, HostTensor>, source: string): void {
    const tiedHead = (n: string) => this.config.tieWordEmbeddings && n === 'lm_head.weight';
    // HF files may carry the rotary inv_freq buffer.
    this.loadStateDict(
      fromHFTensors(state, this.config, source),
      source,
      (n) => tiedHead(n) || /\.rotary_emb\.inv_freq$/.test(n),
    );
  }

  /** Write model.safetensors and config.json (Hugging Face layout) into dir, atomically. */
  async save(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    await writeSafetensors(join(dir, 'model.safetensors'), await this.hfStateDict(), { format: 'pt', writer: WRITER });
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(toHFConfig(this.config, WRITER), null, 2) + '\n');
    return ['model.safetensors', 'config.json'];
  }

  /** Load a directory written by save() or by Hugging Face's save_pretrained (float32 safetensors). */
  static async load(dir: string, backend: Backend): Promise<Llama> {
    const configPath = join(dir, 'config.json');
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (e) {
      throw new Error(`kiln:llama: cannot read ${configPath}: ${(e as Error).message}`);
    }
    const model = new Llama(fromHFConfig(json, configPath), backend);
    const weightsPath = join(dir, 'model.safetensors');
    const file = await readSafetensors(weightsPath);
    const state = new Map<string, HostTensor>();
    for (const [name, t] of file.tensors) {
      if (!(t.data instanceof Float32Array))
        throw new Error(`${weightsPath}: '${name}' is ${t.dtype}, expected a float tensor`);
      state.set(name, { shape: t.shape, data: t.data });
    }
    model.loadHFStateDict(state, weightsPath);
    return model;
  }
}

function shapeOf(length: number, T: number | undefined): [number, number] {
  const t = T ?? length;
  if (!Number.isInteger(t) || t <= 0 || length % t !== 0)
    throw new Error(`Llama.forward: ${length} ids do not split into rows of T = ${t}`);
  return [length / t, t];
}
