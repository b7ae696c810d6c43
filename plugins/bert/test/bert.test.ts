import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForMaskedLM, configFromOptions, fromHFConfig } from '@kiln/bert';
import { createRng, noGrad, ReferenceBackend, readSafetensors, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const CFG = { vocabSize: 37, nPositions: 16, nLayer: 2, nEmbd: 16, nHead: 4, intermediateSize: 20 };

async function logitsOf(
  m: BertForMaskedLM,
  ids: Int32Array,
  o: { segments?: Int32Array; tokenTypes?: Int32Array } = {},
): Promise<Float32Array> {
  const t = noGrad(() => tidy(() => m.forward(ids, null, { T: ids.length, ...o }).logits));
  const a = (await t.toArray()) as Float32Array;
  t.dispose();
  return a;
}

describe('BertForMaskedLM', () => {
  it('save() writes HF BertForMaskedLM names (query/key/value split, tied decoder absent) and a BertConfig; load() gives identical logits', async () => {
    const be = new ReferenceBackend();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-bert-'));
    const model = new BertForMaskedLM(CFG, be, createRng(1));
    await model.save(dir);
    const file = await readSafetensors(join(dir, 'model.safetensors'));
    expect(file.tensors.get('bert.encoder.layer.1.attention.self.key.bias')?.shape).toEqual([16]);
    expect(file.tensors.get('bert.encoder.layer.0.attention.output.LayerNorm.weight')?.shape).toEqual([16]);
    expect(file.tensors.get('cls.predictions.transform.dense.weight')?.shape).toEqual([16, 16]);
    expect(file.tensors.get('cls.predictions.bias')?.shape).toEqual([37]);
    expect(file.tensors.has('cls.predictions.decoder.weight')).toBe(false);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'bert',
      architectures: ['BertForMaskedLM'],
      hidden_act: 'gelu_new',
      layer_norm_eps: 1e-12,
      type_vocab_size: 2,
    });
    const ids = Int32Array.from([1, 5, 9, 36, 3, 3, 7]);
    expect(await logitsOf(await BertForMaskedLM.load(dir, be), ids)).toEqual(await logitsOf(model, ids));
  });

  it('attends both ways, and packed segments see exactly what they would alone', async () => {
    const be = new ReferenceBackend();
    const model = new BertForMaskedLM({ ...CFG, initializerRange: 0.2 }, be, createRng(3));
    const V = CFG.vocabSize;
    const a = await logitsOf(model, Int32Array.from([4, 8, 15, 16]));
    const b = await logitsOf(model, Int32Array.from([4, 8, 15, 23]));
    // Changing the last token changes the first position's logits: bidirectional.
    expect(a.slice(0, V)).not.toEqual(b.slice(0, V));
    const alone = await logitsOf(model, Int32Array.from([9, 10, 11]));
    const packed = await logitsOf(model, Int32Array.from([4, 8, 9, 10, 11]), {
      segments: Int32Array.from([0, 0, 1, 1, 1]),
    });
    const tail = packed.slice(2 * V);
    for (let i = 0; i < alone.length; i++) expect(tail[i]).toBeCloseTo(alone[i], 5);
  });

  it('refuses bad options and configs it does not compute (erf GELU), naming the field or file', () => {
    expect(() => configFromOptions({ ...CFG, nLayers: 2 })).toThrow(
      /kiln:bert: .*model\.nLayers: unknown field \(did you mean "nLayer"\?\)/,
    );
    expect(() => fromHFConfig({ model_type: 'bert', hidden_act: 'gelu' }, 'c.json')).toThrow(
      /c.json: hidden_act "gelu" is not supported/,
    );
    expect(() =>
      fromHFConfig({ model_type: 'bert', hidden_act: 'gelu_new', position_embedding_type: 'relative_key' }, 'c.json'),
    ).toThrow(/position_embedding_type/);
  });
});
