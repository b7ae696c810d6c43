import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromOptions, fromHFConfig, Llama } from '@kiln/llama';
import { createRng, noGrad, ReferenceBackend, readSafetensors, tidy, writeSafetensors } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const CFG = { vocabSize: 41, nPositions: 16, nLayer: 2, nEmbd: 16, nHead: 4, nKvHead: 2, intermediateSize: 24 };

async function logitsOf(m: Llama, ids: Int32Array): Promise<Float32Array> {
  const t = noGrad(() => tidy(() => m.forward(ids, null, { T: ids.length }).logits));
  const a = (await t.toArray()) as Float32Array;
  t.dispose();
  return a;
}

describe('Llama', () => {
  it('save() writes HF LlamaForCausalLM names (separate q/k/v, gate/up) and a LlamaConfig; load() gives identical logits', async () => {
    const be = new ReferenceBackend();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-llama-'));
    const model = new Llama(CFG, be, createRng(1));
    await model.save(dir);
    const file = await readSafetensors(join(dir, 'model.safetensors'));
    expect(file.tensors.get('model.layers.0.self_attn.q_proj.weight')?.shape).toEqual([16, 16]);
    expect(file.tensors.get('model.layers.0.self_attn.k_proj.weight')?.shape).toEqual([8, 16]);
    expect(file.tensors.get('model.layers.1.mlp.gate_proj.weight')?.shape).toEqual([24, 16]);
    expect(file.tensors.get('lm_head.weight')?.shape).toEqual([41, 16]);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      num_key_value_heads: 2,
      hidden_size: 16,
      tie_word_embeddings: false,
      rope_theta: 10000,
      rms_norm_eps: 1e-6,
    });
    const ids = Int32Array.from([1, 5, 9, 40, 3, 3, 7]);
    const loaded = await Llama.load(dir, be);
    expect(await logitsOf(loaded, ids)).toEqual(await logitsOf(model, ids));
  });

  it('a tied model stores no lm_head and accepts one on load (as HF files may carry it)', async () => {
    const be = new ReferenceBackend();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-llama-tied-'));
    const model = new Llama({ ...CFG, tieWordEmbeddings: true }, be, createRng(2));
    await model.save(dir);
    const file = await readSafetensors(join(dir, 'model.safetensors'));
    expect(file.tensors.has('lm_head.weight')).toBe(false);
    const withHead = new Map(
      [...file.tensors].map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }]),
    );
    withHead.set('lm_head.weight', {
      dtype: 'F32',
      shape: [41, 16],
      data: file.tensors.get('model.embed_tokens.weight')!.data as Float32Array,
    });
    await writeSafetensors(join(dir, 'model.safetensors'), withHead);
    const ids = Int32Array.from([2, 4, 6]);
    expect(await logitsOf(await Llama.load(dir, be), ids)).toEqual(await logitsOf(model, ids));
  });

  it('refuses bad options, missing weights and unsupported configs, naming the field or file', async () => {
    expect(() => configFromOptions({ ...CFG, nKvHeads: 2 })).toThrow(
      /kiln:llama: model\.nKvHeads: unknown field \(did you mean "nKvHead"\?\)/,
    );
    expect(() => configFromOptions({ ...CFG, nKvHead: 3 })).toThrow(
      /model\.nKvHead: model\.nHead \(4\) must be a multiple of model\.nKvHead \(3\)/,
    );
    expect(() => fromHFConfig({ model_type: 'llama', rope_scaling: { type: 'linear', factor: 2 } }, 'c.json')).toThrow(
      /c.json: rope_scaling/,
    );
    expect(() => fromHFConfig({ model_type: 'gpt2' }, 'c.json')).toThrow(/expected "llama"/);
    const be = new ReferenceBackend();
    const model = new Llama(CFG, be, createRng(1));
    const state = await model.hfStateDict();
    state.delete('model.layers.1.self_attn.v_proj.weight');
    expect(() => model.loadHFStateDict(state, 'w.safetensors')).toThrow(
      /w.safetensors: 'model.layers.1.self_attn.v_proj.weight' is missing/,
    );
  });
});
