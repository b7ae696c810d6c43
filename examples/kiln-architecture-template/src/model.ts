/**
 * The trainable model (the CausalLM contract of @kiln/tensor): a decoder of
 * pre-norm blocks, x + attn(norm1(x)) then + mlp(norm2(x)), with RMSNorm,
 * learned positions, a GELU MLP, no biases and an output head of its own
 * (not tied to the embedding). Built from @kiln/tensor's modules, so its
 * backward is the tape's and it runs on every backend.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  add,
  type Backend,
  type CausalLM,
  CausalSelfAttention,
  createRng,
  crossEntropy,
  Embedding,
  type ForwardWithLoss,
  Linear,
  MLP,
  Module,
  ModuleList,
  RMSNorm,
  type Rng,
  readSafetensors,
  Tensor,
  writeFileAtomic,
  writeSafetensors,
} from '@kiln/tensor';
import { fromConfigJson, type TemplateConfig, toConfigJson, WRITER } from './config.js';

class Block extends Module {
  readonly norm1: RMSNorm;
  readonly attn: CausalSelfAttention;
  readonly norm2: RMSNorm;
  readonly mlp: MLP;

  constructor(backend: Backend, rng: Rng, c: TemplateConfig) {
    super(backend);
    // Residual projections start smaller, so the sum over layers keeps its scale (GPT-2's 1/sqrt(2·n_layer)).
    const std = c.initializerRange;
    const projStd = std / Math.sqrt(2 * c.nLayer);
    this.norm1 = this.child('norm1', new RMSNorm(backend, c.nEmbd, c.normEps));
    this.attn = this.child(
      'attn',
      new CausalSelfAttention(backend, rng, {
        nEmbd: c.nEmbd,
        nHead: c.nHead,
        bias: false,
        std,
        projStd,
        names: { qkv: 'qkv', proj: 'proj' },
      }),
    );
    this.norm2 = this.child('norm2', new RMSNorm(backend, c.nEmbd, c.normEps));
    this.mlp = this.child(
      'mlp',
      new MLP(backend, rng, {
        nEmbd: c.nEmbd,
        hidden: c.nInner,
        bias: false,
        std,
        projStd,
        names: { fc: 'fc', proj: 'proj' },
      }),
    );
  }

  forward(x: Tensor, segments?: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.norm1.forward(x), { segments }));
    return add(h, this.mlp.forward(this.norm2.forward(h)));
  }
}

export class TemplateModel extends Module implements CausalLM {
  readonly embed: Embedding;
  readonly pos: Embedding;
  readonly blocks: ModuleList<Block>;
  readonly norm: RMSNorm;
  readonly head: Linear;

  constructor(
    readonly config: TemplateConfig,
    backend: Backend,
    rng: Rng,
  ) {
    super(backend);
    const c = config;
    this.embed = this.child('embed', new Embedding(backend, c.vocabSize, c.nEmbd, rng, c.initializerRange));
    this.pos = this.child('pos', new Embedding(backend, c.nPositions, c.nEmbd, rng, c.initializerRange));
    this.blocks = this.child('blocks', new ModuleList<Block>(backend));
    for (let i = 0; i < c.nLayer; i++) this.blocks.push(new Block(backend, rng, c));
    this.norm = this.child('norm', new RMSNorm(backend, c.nEmbd, c.normEps));
    this.head = this.child(
      'head',
      new Linear(backend, c.nEmbd, c.vocabSize, rng, { bias: false, std: c.initializerRange }),
    );
  }

  /** ids (B,T) → logits (B,T,V), and the cross-entropy against targets when given. */
  forward(ids: Int32Array, targets: Int32Array | null, o: ForwardWithLoss): { logits: Tensor; loss: Tensor | null } {
    const be = this.backend;
    const T = o.T;
    const B = ids.length / T;
    if (!Number.isInteger(B) || B < 1)
      throw new Error(`TemplateModel.forward: ${ids.length} ids do not split into rows of T = ${T}`);
    if (T > this.config.nPositions)
      throw new Error(
        `TemplateModel.forward: sequence length ${T} exceeds the context (${this.config.nPositions} positions)`,
      );
    const seg = o.segments;
    if (seg && seg.length !== ids.length)
      throw new Error(`TemplateModel.forward: ${seg.length} segment ids for ${ids.length} tokens`);
    // Positions restart where a packed segment starts, so each example sees what it would see alone.
    const positions = new Int32Array(ids.length);
    for (let i = 0; i < positions.length; i++) {
      const t = i % T;
      positions[i] = !seg ? t : t === 0 || seg[i] !== seg[i - 1] ? 0 : positions[i - 1] + 1;
    }
    const segments = seg ? Tensor.from(be, seg, [B, T]) : undefined;
    let x = add(this.embed.forward(Tensor.from(be, ids, [B, T])), this.pos.forward(Tensor.from(be, positions, [B, T])));
    for (const block of this.blocks) x = block.forward(x, segments);
    const logits = this.head.forward(this.norm.forward(x));
    if (targets === null) return { logits, loss: null };
    return { logits, loss: crossEntropy(logits, Tensor.from(be, targets, [B, T]), { normalizer: o.normalizer }) };
  }

  /** config.json + model.safetensors, written atomically: what `TemplateModel.load` reads. */
  async save(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    await writeSafetensors(join(dir, 'model.safetensors'), await this.stateDict(), { format: 'pt', writer: WRITER });
    await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(toConfigJson(this.config), null, 2)}\n`);
    return ['model.safetensors', 'config.json'];
  }

  static async load(dir: string, backend: Backend): Promise<TemplateModel> {
    const configPath = join(dir, 'config.json');
    // The init stream does not matter: every weight is read over it.
    const model = new TemplateModel(
      fromConfigJson(JSON.parse(await readFile(configPath, 'utf8')), configPath),
      backend,
      createRng(0),
    );
    const weightsPath = join(dir, 'model.safetensors');
    const state = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of (await readSafetensors(weightsPath)).tensors) {
      if (!(t.data instanceof Float32Array)) throw new Error(`${weightsPath}: '${name}' is ${t.dtype}, expected f32`);
      state.set(name, { shape: t.shape, data: t.data });
    }
    model.loadStateDict(state, weightsPath);
    return model;
  }
}
