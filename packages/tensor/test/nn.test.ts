import {
  add,
  CausalSelfAttention,
  createRng,
  Embedding,
  LayerNorm,
  Linear,
  MLP,
  Module,
  ModuleList,
  RMSNorm,
  SwiGLUMLP,
  Tensor,
} from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { be64, gradcheck } from './gradcheck.js';

/** A Llama-style block built from the nn modules: RMSNorm, rope + GQA attention, SwiGLU. */
class LlamaishBlock extends Module {
  readonly norm1: RMSNorm;
  readonly attn: CausalSelfAttention;
  readonly norm2: RMSNorm;
  readonly mlp: SwiGLUMLP;
  constructor() {
    super(be64);
    const rng = createRng(3);
    this.norm1 = this.child('input_layernorm', new RMSNorm(be64, 8));
    this.attn = this.child(
      'self_attn',
      new CausalSelfAttention(be64, rng, {
        nEmbd: 8,
        nHead: 4,
        nKvHead: 2,
        rope: { theta: 10000 },
        bias: false,
        names: { qkv: 'qkv_proj', proj: 'o_proj' },
        std: 0.5,
      }),
    );
    this.norm2 = this.child('post_attention_layernorm', new RMSNorm(be64, 8));
    this.mlp = this.child('mlp', new SwiGLUMLP(be64, rng, { nEmbd: 8, hidden: 12, std: 0.5 }));
  }
  forward(x: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.norm1.forward(x)));
    return add(h, this.mlp.forward(this.norm2.forward(h)));
  }
}

describe('nn modules', () => {
  it('register parameters under dotted names with torch shapes and decay flags', () => {
    const block = new LlamaishBlock();
    const params = block.parameters('model.layers.0.');
    expect([...params.keys()]).toEqual([
      'model.layers.0.input_layernorm.weight',
      'model.layers.0.self_attn.qkv_proj.weight',
      'model.layers.0.self_attn.o_proj.weight',
      'model.layers.0.post_attention_layernorm.weight',
      'model.layers.0.mlp.gate_up_proj.weight',
      'model.layers.0.mlp.down_proj.weight',
    ]);
    // torch.nn.Linear layout [out, in]; q has 4 heads, k and v 2 heads each, head size 2.
    expect(params.get('model.layers.0.self_attn.qkv_proj.weight')!.shape).toEqual([(4 + 2 * 2) * 2, 8]);
    expect(params.get('model.layers.0.mlp.gate_up_proj.weight')!.shape).toEqual([24, 8]);
    expect([...params].filter(([, t]) => t.decay).map(([n]) => n.split('.').slice(-2).join('.'))).toEqual([
      'qkv_proj.weight',
      'o_proj.weight',
      'gate_up_proj.weight',
      'down_proj.weight',
    ]);
  });

  it('a rope + GQA + SwiGLU block has correct gradients for every parameter (finite differences)', async () => {
    const block = new LlamaishBlock();
    const x = Tensor.randn(be64, [2, 5, 8], createRng(8));
    await gradcheck('llama-ish block', [...block.parameters().values()], () => block.forward(x), { samples: 12 });
  });

  it('GPT-2 style layers: LayerNorm, Conv1D-layout Linear, MLP, Embedding', async () => {
    const rng = createRng(4);
    class Net extends Module {
      readonly emb = this.child('wte', new Embedding(be64, 7, 6, rng, 0.5));
      readonly ln = this.child('ln', new LayerNorm(be64, 6));
      readonly mlp = this.child('mlp', new MLP(be64, rng, { nEmbd: 6, hidden: 10, layout: 'in-out', std: 0.5 }));
      readonly head = this.child('head', new Linear(be64, 6, 3, rng, { bias: false, std: 0.5 }));
      constructor() {
        super(be64);
      }
    }
    const net = new Net();
    expect(net.parameters().get('mlp.c_fc.weight')!.shape).toEqual([6, 10]);
    const ids = Tensor.from(be64, new Int32Array([0, 6, 3, 3]), [1, 4]);
    await gradcheck(
      'gpt2-ish layers',
      [...net.parameters().values()],
      () => net.head.forward(net.mlp.forward(net.ln.forward(net.emb.forward(ids)))),
      { samples: 10 },
    );
  });

  it('ModuleList names children by index; registering a name twice is an error', () => {
    const list = new ModuleList(be64, [new RMSNorm(be64, 2), new RMSNorm(be64, 2)]);
    expect([...list.parameters().keys()]).toEqual(['0.weight', '1.weight']);
    class Twice extends Module {
      constructor() {
        super(be64);
        this.child('a', new RMSNorm(be64, 2));
        this.child('a', new RMSNorm(be64, 2));
      }
    }
    expect(() => new Twice()).toThrow(/'a' is registered twice/);
  });

  it('loadStateDict refuses missing, unknown and mis-shaped tensors', () => {
    const m = new RMSNorm(be64, 3);
    expect(() => m.loadStateDict(new Map(), 'f.safetensors')).toThrow(/f.safetensors: missing parameters weight/);
    expect(() =>
      m.loadStateDict(
        new Map([
          ['weight', { data: new Float32Array(3) }],
          ['x', { data: new Float32Array(1) }],
        ]),
        'f',
      ),
    ).toThrow(/unexpected tensors x/);
    expect(() => m.loadStateDict(new Map([['weight', { shape: [4], data: new Float32Array(4) }]]), 'f')).toThrow(
      /'weight' has shape \[4\], the model expects \[3\]/,
    );
  });
});
