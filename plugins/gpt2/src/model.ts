import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  add,
  type Backend,
  CausalSelfAttention,
  createRng,
  crossEntropy,
  Embedding,
  LayerNorm,
  type Linear,
  linear,
  linearLayers,
  MLP,
  Module,
  ModuleList,
  type Rng,
  readSafetensors,
  Tensor,
  writeFileAtomic,
  writeSafetensors,
} from '@kiln/tensor';
import { fromHFConfig, type GPT2Config, toHFConfig, validateConfig } from './config.js';

/** The config type travels with the model class for callers that import only `@kiln/gpt2/model`. */
export type { GPT2Config } from './config.js';

export const WRITER = 'kiln:gpt2@0.1.0';

/** One transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)) (pre-norm). */
class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly mlp: MLP;

  constructor(backend: Backend, rng: Rng, c: Required<GPT2Config>) {
    super(backend);
    // HF GPT-2 scales the init of both residual projections (c_proj) by 1/sqrt(2·n_layer).
    const std = c.initializerRange;
    const projStd = std / Math.sqrt(2 * c.nLayer);
    const conv1d = { layout: 'in-out' as const, bias: true };
    this.ln1 = this.child('ln_1', new LayerNorm(backend, c.nEmbd, c.layerNormEpsilon));
    this.attn = this.child(
      'attn',
      new CausalSelfAttention(backend, rng, { nEmbd: c.nEmbd, nHead: c.nHead, ...conv1d, std, projStd }),
    );
    this.ln2 = this.child('ln_2', new LayerNorm(backend, c.nEmbd, c.layerNormEpsilon));
    this.mlp = this.child('mlp', new MLP(backend, rng, { nEmbd: c.nEmbd, hidden: c.nInner, ...conv1d, std, projStd }));
  }

  forward(x: Tensor, segments?: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.ln1.forward(x), { segments }));
    return add(h, this.mlp.forward(this.ln2.forward(h)));
  }
}

/** HF's GPT2Model: the `transformer.` prefix of every weight name. */
class Transformer extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<Block>;
  readonly lnF: LayerNorm;

  constructor(backend: Backend, rng: Rng, c: Required<GPT2Config>) {
    super(backend);
    this.wte = this.child('wte', new Embedding(backend, c.vocabSize, c.nEmbd, rng, c.initializerRange));
    this.wpe = this.child('wpe', new Embedding(backend, c.nPositions, c.nEmbd, rng, c.initializerRange));
    this.h = this.child('h', new ModuleList<Block>(backend));
    for (let i = 0; i < c.nLayer; i++) this.h.push(new Block(backend, rng, c));
    this.lnF = this.child('ln_f', new LayerNorm(backend, c.nEmbd, c.layerNormEpsilon));
  }
}

export interface ForwardOptions {
  /** Sequence length when ids is a flat Int32Array of B·T tokens (default: all of it, B = 1). */
  T?: number;
  /** Loss = sum of token losses / normalizer (default: number of tokens). See crossEntropy. */
  normalizer?: number;
  /** Target id that adds no loss (default -100). */
  ignoreIndex?: number;
  /**
   * Packed rows: a segment id per token (B·T). Tokens attend only within their
   * segment, and positions restart at 0 where a segment starts, so each packed
   * example sees exactly what it would see alone.
   */
  segments?: Int32Array;
}

/**
 * GPT-2 (Hugging Face GPT2LMHeadModel): learned positions, pre-norm blocks,
 * tanh GELU, LayerNorm eps 1e-5, LM head tied to wte. Weights carry HF's
 * names, and Conv1D weights are stored [in, out] as HF stores them.
 */
export class GPT2 extends Module {
  readonly config: Required<GPT2Config>;
  readonly transformer: Transformer;

  constructor(config: GPT2Config, backend: Backend, rng: Rng = createRng(0)) {
    super(backend);
    this.config = validateConfig(config);
    this.transformer = this.child('transformer', new Transformer(backend, rng, this.config));
  }

  /**
   * ids (B,T) i32 → logits (B,T,V), and the mean cross-entropy against targets
   * when given. Both are recorded on the tape unless inside noGrad.
   */
  forward(
    ids: Tensor | Int32Array,
    targets?: Tensor | Int32Array | null,
    o: ForwardOptions = {},
  ): { logits: Tensor; loss: Tensor | null } {
    const x = this.hidden(ids, o);
    const [B, T] = x.shape;
    const logits = linear(x, this.transformer.wte.weight); // tied head: x · wteᵀ
    if (targets === undefined || targets === null) return { logits, loss: null };
    const targetsT = targets instanceof Tensor ? targets : Tensor.from(this.backend, targets, [B, T]);
    const loss = crossEntropy(logits, targetsT, { normalizer: o.normalizer, ignoreIndex: o.ignoreIndex });
    return { logits, loss };
  }

  /** Its dense layers by Hugging Face name (AdaptableLM in @kiln/tensor): what LoRA adapts. */
  linearLayers(): Map<string, Linear> {
    return linearLayers(this);
  }

  /** ids (B,T) i32 → the final hidden states (B,T,C) after ln_f (what the LM head, or a reward head, reads). */
  hidden(ids: Tensor | Int32Array, o: Pick<ForwardOptions, 'T' | 'segments'> = {}): Tensor {
    const be = this.backend;
    const idsT = ids instanceof Tensor ? ids : Tensor.from(be, ids, shapeOf(ids.length, o.T));
    const [B, T] = idsT.shape.length === 2 ? idsT.shape : [1, idsT.size];
    if (T > this.config.nPositions)
      throw new Error(`GPT2.forward: sequence length ${T} exceeds the context (${this.config.nPositions} positions)`);
    const seg = o.segments;
    if (seg && seg.length !== B * T) throw new Error(`GPT2.forward: ${seg.length} segment ids for ${B * T} tokens`);
    const pos = new Int32Array(B * T);
    for (let i = 0; i < pos.length; i++) {
      const t = i % T;
      pos[i] = !seg ? t : t === 0 || seg[i] !== seg[i - 1] ? 0 : pos[i - 1] + 1;
    }
    const segT = seg ? Tensor.from(be, seg, [B, T]) : undefined;
    const tr = this.transformer;
    let x = add(tr.wte.forward(idsT), tr.wpe.forward(Tensor.from(be, pos, [B, T])));
    for (const block of tr.h) x = block.forward(x, segT);
    return tr.lnF.forward(x);
  }

  /** Write model.safetensors and config.json (Hugging Face layout) into dir, atomically. */
  async save(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const state = await this.stateDict();
    await writeSafetensors(join(dir, 'model.safetensors'), state, { format: 'pt', writer: WRITER });
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(toHFConfig(this.config, WRITER), null, 2) + '\n');
    return ['model.safetensors', 'config.json'];
  }

  /** Load a directory written by save() or by Hugging Face's save_pretrained. */
  static async load(dir: string, backend: Backend): Promise<GPT2> {
    const configPath = join(dir, 'config.json');
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (e) {
      throw new Error(`kiln:gpt2: cannot read ${configPath}: ${(e as Error).message}`);
    }
    const model = new GPT2(fromHFConfig(json, configPath), backend);
    const weightsPath = join(dir, 'model.safetensors');
    const file = await readSafetensors(weightsPath);
    const state = new Map<string, { shape: number[]; data: Float32Array }>();
    // GPT2LMHeadModel.save_pretrained names weights transformer.h.0...; the hub's own gpt2 files hold
    // GPT2Model's bare names (h.0..., wte...): both load.
    const bare = ![...file.tensors.keys()].some((n) => n.startsWith('transformer.'));
    for (const [name, t] of file.tensors) {
      if (!(t.data instanceof Float32Array))
        throw new Error(`${weightsPath}: '${name}' is ${t.dtype}, expected a float tensor`);
      state.set(bare && name !== 'lm_head.weight' ? `transformer.${name}` : name, { shape: t.shape, data: t.data });
    }
    // HF files may also hold the tied lm_head and the old causal-mask buffers.
    model.loadStateDict(state, weightsPath, (n) => n === 'lm_head.weight' || /\.attn\.(masked_)?bias$/.test(n));
    return model;
  }
}

function shapeOf(length: number, T: number | undefined): [number, number] {
  const t = T ?? length;
  if (!Number.isInteger(t) || t <= 0 || length % t !== 0)
    throw new Error(`GPT2.forward: ${length} ids do not split into rows of T = ${t}`);
  return [length / t, t];
}
