import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gpt2, { GPT2 } from '@kiln/gpt2';
import {
  AdamW,
  backward,
  createRng,
  noGrad,
  ReferenceBackend,
  readSafetensors,
  tidy,
  writeSafetensors,
} from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const tiny = { vocabSize: 11, nPositions: 8, nLayer: 2, nEmbd: 8, nHead: 2 };
const tmp = () => mkdtempSync(join(tmpdir(), 'kiln-gpt2-'));

describe('GPT2', () => {
  it("names its weights exactly as Hugging Face's GPT2LMHeadModel, Conv1D weights stored [in, out]", () => {
    const m = new GPT2(tiny, new ReferenceBackend(), createRng(1));
    const names = [...m.parameters().keys()];
    const block = (i: number) =>
      [
        'ln_1.weight',
        'ln_1.bias',
        'attn.c_attn.weight',
        'attn.c_attn.bias',
        'attn.c_proj.weight',
        'attn.c_proj.bias',
        'ln_2.weight',
        'ln_2.bias',
        'mlp.c_fc.weight',
        'mlp.c_fc.bias',
        'mlp.c_proj.weight',
        'mlp.c_proj.bias',
      ].map((n) => `transformer.h.${i}.${n}`);
    expect(names).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      ...block(0),
      ...block(1),
      'transformer.ln_f.weight',
      'transformer.ln_f.bias',
    ]);
    const shape = (n: string) => m.parameters().get(n)!.shape;
    expect(shape('transformer.h.0.attn.c_attn.weight')).toEqual([8, 24]);
    expect(shape('transformer.h.0.mlp.c_proj.weight')).toEqual([32, 8]);
    expect(m.numParameters()).toBe(
      11 * 8 + 8 * 8 + 2 * (4 * 8 + 8 * 24 + 24 + 8 * 8 + 8 + 8 * 32 + 32 + 32 * 8 + 8) + 2 * 8,
    );
  });

  it('initialises like HF: std 0.02, residual projections 0.02/sqrt(2·n_layer), norms 1/0, biases 0', async () => {
    const m = new GPT2(
      { vocabSize: 512, nPositions: 64, nLayer: 8, nEmbd: 64, nHead: 4 },
      new ReferenceBackend(),
      createRng(3),
    );
    const std = async (n: string) => {
      const a = await m.parameters().get(n)!.toArray();
      let s = 0;
      for (const x of a) s += x * x;
      return Math.sqrt(s / a.length);
    };
    expect(await std('transformer.wte.weight')).toBeCloseTo(0.02, 3);
    expect(await std('transformer.h.0.attn.c_attn.weight')).toBeCloseTo(0.02, 3);
    expect(await std('transformer.h.3.mlp.c_proj.weight')).toBeCloseTo(0.02 / 4, 3);
    expect(Array.from(await m.parameters().get('transformer.ln_f.weight')!.toArray()).every((x) => x === 1)).toBe(true);
    expect(Array.from(await m.parameters().get('transformer.h.0.mlp.c_fc.bias')!.toArray()).every((x) => x === 0)).toBe(
      true,
    );
  });

  it('the loss of an untrained model is about log(vocab); the same seed gives the same model', async () => {
    const be = new ReferenceBackend();
    const ids = Int32Array.from({ length: 16 }, (_, i) => (i * 5) % 11);
    const targets = Int32Array.from({ length: 16 }, (_, i) => (i * 3) % 11);
    const loss = async (seed: number) =>
      noGrad(() => tidy(() => new GPT2(tiny, be, createRng(seed)).forward(ids, targets, { T: 8 }).loss!.item()));
    const l = await loss(1);
    expect(Math.abs(l - Math.log(11))).toBeLessThan(0.05);
    expect(await loss(1)).toBe(l);
    expect(await loss(2)).not.toBe(l);
  });

  it('whole-model gradients match finite differences (f64 backend)', async () => {
    const be = new ReferenceBackend({ precision: 'f64' });
    const m = new GPT2({ ...tiny, nLayer: 1 }, be, createRng(5));
    // Larger weights than the init so every path carries signal.
    for (const p of m.parameters().values()) {
      const a = await be.readF64(p.buf);
      const rng = createRng(p.size);
      be.write(
        p.buf,
        a.map((x) => x + 0.3 * rng.normal()),
      );
    }
    const ids = new Int32Array([1, 4, 9, 2, 2, 7, 0, 10]);
    const targets = new Int32Array([4, 9, 2, 2, 7, 0, 10, -100]);
    const lossValue = () =>
      noGrad(() => tidy(async () => (await be.readF64(m.forward(ids, targets, { T: 4 }).loss!.buf))[0]));
    tidy(() => backward(m.forward(ids, targets, { T: 4 }).loss!));
    const rng = createRng(11);
    const checked = [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.attn.c_proj.bias',
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.0.mlp.c_proj.weight',
      'transformer.ln_f.bias',
    ];
    for (const name of checked) {
      const p = m.parameters().get(name)!;
      const grad = await be.readF64(p.grad!.buf);
      const values = await be.readF64(p.buf);
      for (let k = 0; k < 4; k++) {
        const i = rng.int(p.size);
        const orig = values[i];
        const h = 1e-6;
        values[i] = orig + h;
        be.write(p.buf, values);
        const up = await lossValue();
        values[i] = orig - h;
        be.write(p.buf, values);
        const down = await lossValue();
        values[i] = orig;
        be.write(p.buf, values);
        expect(Math.abs((up - down) / (2 * h) - grad[i]), `${name}[${i}]`).toBeLessThan(1e-7);
      }
    }
  });

  it('save() writes HF files atomically; load() restores identical logits and ignores lm_head/mask buffers', async () => {
    const be = new ReferenceBackend();
    const m = new GPT2(tiny, be, createRng(9));
    const dir = tmp();
    expect(await m.save(dir)).toEqual(['model.safetensors', 'config.json']);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: 11,
      n_positions: 8,
      n_layer: 2,
      n_embd: 8,
      n_head: 2,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      tie_word_embeddings: true,
    });
    const file = await readSafetensors(join(dir, 'model.safetensors'));
    expect(file.metadata.format).toBe('pt');
    const ids = new Int32Array([1, 2, 3, 4, 5]);
    const logits = async (model: GPT2) => noGrad(() => tidy(() => model.forward(ids).logits.toArray()));
    const loaded = await GPT2.load(dir, be);
    expect(Array.from(await logits(loaded))).toEqual(Array.from(await logits(m)));
    // An HF save_pretrained directory may carry the tied head and old attention mask buffers.
    const extra = new Map([...file.tensors].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
    extra.set('lm_head.weight', extra.get('transformer.wte.weight')!);
    extra.set('transformer.h.0.attn.bias', { shape: [1], data: new Float32Array(1) });
    await writeSafetensors(join(dir, 'model.safetensors'), extra, { format: 'pt' });
    expect(Array.from(await logits(await GPT2.load(dir, be)))).toEqual(Array.from(await logits(m)));
  });

  it('load() refuses wrong shapes, missing weights and unsupported configs, naming the file', async () => {
    const be = new ReferenceBackend();
    const dir = tmp();
    await new GPT2(tiny, be).save(dir);
    const cfgPath = join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, n_embd: 16 }));
    await expect(GPT2.load(dir, be)).rejects.toThrow(
      /model.safetensors: 'transformer.wte.weight' has shape \[11, 8\], the model expects \[11, 16\]/,
    );
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, activation_function: 'relu' }));
    await expect(GPT2.load(dir, be)).rejects.toThrow(/config.json: activation_function "relu" is not supported/);
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, n_layer: 3 }));
    await expect(GPT2.load(dir, be)).rejects.toThrow(/missing parameters transformer.h.2/);
  });

  it('forward refuses sequences longer than the context', () => {
    const m = new GPT2(tiny, new ReferenceBackend());
    expect(() => tidy(() => m.forward(new Int32Array(9)))).toThrow(
      /sequence length 9 exceeds the context \(8 positions\)/,
    );
  });

  it('training steps reuse pooled buffers: after the first step nothing new is allocated', async () => {
    const be = new ReferenceBackend();
    const m = new GPT2(tiny, be, createRng(2));
    const opt = new AdamW(m.parameters(), { lr: 1e-2 });
    const ids = Int32Array.from({ length: 16 }, (_, i) => i % 11);
    const targets = Int32Array.from({ length: 16 }, (_, i) => (i + 1) % 11);
    const losses: number[] = [];
    const created: number[] = [];
    for (let s = 0; s < 4; s++) {
      losses.push(
        await tidy(async () => {
          opt.zeroGrad();
          const { loss } = m.forward(ids, targets, { T: 8 });
          backward(loss!);
          opt.step();
          return loss!.item();
        }),
      );
      created.push(be.pool.created);
    }
    expect(created[1]).toBe(created[3]);
    expect(losses[3]).toBeLessThan(losses[0]);
  });

  it('gradient accumulation: k micro-batches with the window normalizer equal one big batch', async () => {
    const run = async (k: number) => {
      const be = new ReferenceBackend();
      const m = new GPT2(tiny, be, createRng(4));
      const ids = Int32Array.from({ length: 32 }, (_, i) => (i * 7) % 11);
      const targets = Int32Array.from({ length: 32 }, (_, i) => (i % 5 === 0 ? -100 : (i * 3) % 11));
      const counted = targets.filter((t) => t !== -100).length;
      const per = 32 / k;
      for (let j = 0; j < k; j++) {
        tidy(() =>
          backward(
            m.forward(ids.subarray(j * per, (j + 1) * per), targets.subarray(j * per, (j + 1) * per), {
              T: 8,
              normalizer: counted,
            }).loss!,
          ),
        );
      }
      return m.parameters().get('transformer.h.1.attn.c_attn.weight')!.grad!.toArray();
    };
    const one = await run(1);
    const four = await run(4);
    let worst = 0;
    for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - four[i]));
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('the kiln:gpt2 plugin', () => {
  const ctx = {
    rng: createRng(1),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  } as never;

  it('provides the gpt2 architecture: create from model options, load from a directory', async () => {
    const plugin = gpt2();
    expect(plugin.name).toBe('kiln:gpt2');
    const arch = plugin.architecture;
    if (!arch || Array.isArray(arch)) throw new Error('kiln:gpt2 provides one architecture');
    expect(arch.name).toBe('gpt2');
    const be = new ReferenceBackend();
    const model = (await arch.create(
      { architecture: 'gpt2', vocabSize: 11, context: 8, nLayer: 1, nEmbd: 8, nHead: 2 },
      be,
      ctx,
    )) as GPT2;
    expect(model).toBeInstanceOf(GPT2);
    expect(model.config.nPositions).toBe(8);
    const dir = tmp();
    await model.save(dir);
    expect(await arch.load!(dir, be, ctx)).toBeInstanceOf(GPT2);
    expect(await arch.load!(tmp(), be, ctx)).toBeUndefined();
  });

  it('rejects bad model options with the field and a did-you-mean', () => {
    const arch = gpt2().architecture;
    if (!arch || Array.isArray(arch)) throw new Error('kiln:gpt2 provides one architecture');
    const be = new ReferenceBackend();
    expect(() => arch.create({ vocabSize: 11, context: 8, nLayers: 1, nEmbd: 8, nHead: 2 }, be, ctx)).toThrow(
      /kiln:gpt2: .*model\.nLayers: unknown field \(did you mean "nLayer"\?\)/,
    );
    expect(() => arch.create({ vocabSize: 11, context: 8, nLayer: 1, nEmbd: 9, nHead: 2 }, be, ctx)).toThrow(
      /kiln:gpt2: model\.nEmbd: 9 must be divisible by model\.nHead \(2\)/,
    );
    expect(() => arch.create({ vocabSize: 0, context: 8, nLayer: 1, nEmbd: 8, nHead: 2 }, be, ctx)).toThrow(
      /kiln:gpt2: model\.vocabSize: Too small: expected number to be >0/,
    );
  });
});
