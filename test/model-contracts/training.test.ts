/**
 * The training contracts of packages/tensor/src/model.ts on every architecture: each model is an
 * AdaptableLM (its linearLayers() are the Linear layers whose weights it names, what LoRA adapts)
 * and a HiddenStatesLM (hidden() gives the (B, T, nEmbd) states a reward head reads).
 */
import { applyLora } from '@kiln/finetune';
import { createRng, isAdaptableLM, isHiddenStatesLM, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, tinyModel } from './setup.js';

describe.each(ARCHITECTURES)('%s', (arch) => {
  it('states its dense layers (AdaptableLM): every one a weight it names, and LoRA adapts them', async () => {
    const model = tinyModel(arch, new ReferenceBackend());
    expect(isAdaptableLM(model)).toBe(true);
    const layers = model.linearLayers();
    const params = model.parameters();
    expect(layers.size).toBeGreaterThan(4);
    for (const [name, layer] of layers) expect(params.get(`${name}.weight`)).toBe(layer.weight);
    const last = [...layers.keys()].at(-1)!.split('.').pop()!;
    const lora = applyLora(model, { rank: 2, targets: [last] }, createRng(3));
    expect(lora.layers.length).toBeGreaterThan(0);
    expect(lora.layers.every((n) => n.endsWith(`.${last}`) || n === last)).toBe(true);
  });

  it('hands out its hidden states (HiddenStatesLM) at its width', () => {
    const model = tinyModel(arch, new ReferenceBackend());
    expect(isHiddenStatesLM(model)).toBe(true);
    const h = model.hidden(new Int32Array([1, 2, 3, 4, 5, 6]), { T: 3 });
    expect(h.shape).toEqual([2, 3, model.config.nEmbd]);
  });
});
