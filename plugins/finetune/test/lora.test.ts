import { GPT2 } from '@kiln/gpt2';
import { AdamW, backward, createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { applyLora } from '../src/index.js';

const CONFIG = { vocabSize: 23, nPositions: 8, nLayer: 2, nEmbd: 16, nHead: 2 };

describe('LoRA', () => {
  it('trains only the adapters at rank r, and the merged model gives the adapter model logits', async () => {
    const be = new ReferenceBackend();
    const model = new GPT2(CONFIG, be, createRng(4));
    const before = await model.stateDict();
    const lora = applyLora(model, { rank: 2, alpha: 4, targets: ['c_attn', 'c_proj', 'c_fc'] }, createRng(9));
    // 2 layers × (c_attn, attn c_proj, c_fc, mlp c_proj) × (A, B)
    expect(lora.layers.length).toBe(8);
    const adapters = lora.parameters();
    expect(adapters.size).toBe(16);
    for (const [n, t] of adapters) expect(n.endsWith('lora_A') ? t.shape[1] : t.shape[0]).toBe(2);
    const opt = new AdamW(adapters, { lr: 0.05, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0 });
    const ids = Int32Array.from({ length: 16 }, (_, i) => (i * 7) % CONFIG.vocabSize);
    const targets = Int32Array.from({ length: 16 }, (_, i) => (i * 5 + 1) % CONFIG.vocabSize);
    for (let s = 0; s < 3; s++) {
      opt.zeroGrad();
      tidy(() => backward(model.forward(ids, targets, { T: 8 }).loss!));
      opt.step({ lr: 0.05 });
    }
    // No gradient was even computed for the base weights, and they did not move.
    for (const [n, t] of model.parameters()) {
      expect(t.grad, n).toBeFalsy();
      expect([...(await t.toArray())]).toEqual([...before.get(n)!.data]);
    }
    const logits = async () =>
      (await noGrad(() => tidy(() => model.forward(ids, null, { T: 8 }).logits.toArray()))) as Float32Array;
    const withAdapters = await logits();
    const base = new GPT2(CONFIG, be, createRng(4));
    const baseLogits = (await noGrad(() =>
      tidy(() => base.forward(ids, null, { T: 8 }).logits.toArray()),
    )) as Float32Array;
    const moved = withAdapters.reduce((m, v, i) => Math.max(m, Math.abs(v - baseLogits[i])), 0);
    expect(moved).toBeGreaterThan(1e-3); // the adapters changed the model
    await lora.merge();
    const merged = await logits();
    for (let i = 0; i < merged.length; i++) expect(Math.abs(merged[i] - withAdapters[i])).toBeLessThan(1e-4);
    // After merging, the saved model is a plain GPT-2 (no adapter tensors).
    expect([...model.parameters().keys()].some((n) => n.includes('lora'))).toBe(false);
    model.dispose();
    base.dispose();
  });

  it('names the layers it could target when the targets match none', () => {
    const model = new GPT2(CONFIG, new ReferenceBackend(), createRng(4));
    expect(() => applyLora(model, { rank: 2, targets: ['q_proj'] }, createRng(1))).toThrow(
      /match no linear layer \(the model has: c_attn, c_proj, c_fc\)/,
    );
  });
});
