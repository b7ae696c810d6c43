// initFrom a Hugging Face GPT-2 directory: the hub's own gpt2 files hold GPT2Model's bare names
// (h.0..., wte...) and the old attention-mask buffers, save_pretrained of GPT2LMHeadModel the
// transformer.-prefixed names. GPT2.load (what `initFrom` and every stage use) takes both.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT2 } from '@kiln/gpt2';
import { ReferenceBackend, readSafetensors, writeSafetensors } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/gpt2-tiny/', import.meta.url));

async function weights(model: GPT2): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, t] of model.parameters()) out.set(name, [...((await t.toArray()) as Float32Array)]);
  return out;
}

describe('GPT2.load: a Hugging Face directory', () => {
  it("loads the hub's layout (bare GPT2Model names, attn.bias buffers) to the same weights as save_pretrained's", async () => {
    const init = await readSafetensors(join(FIXTURE, 'init.safetensors'));
    const T = 16;
    const prefixed = mkdtempSync(join(tmpdir(), 'kiln-gpt2-hf-'));
    const hub = mkdtempSync(join(tmpdir(), 'kiln-gpt2-hub-'));
    const asSaved = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
    const asHub = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
    for (const [name, t] of init.tensors) {
      const tensor = { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array };
      asSaved.set(name, tensor);
      asHub.set(name.replace(/^transformer\./, ''), tensor);
    }
    // The causal-mask buffers old GPT-2 checkpoints carry (not parameters).
    const mask = Float32Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 1 : 0));
    for (let l = 0; l < 2; l++) asHub.set(`h.${l}.attn.bias`, { dtype: 'F32', shape: [1, 1, T, T], data: mask });
    await writeSafetensors(join(prefixed, 'model.safetensors'), asSaved, { format: 'pt' });
    await writeSafetensors(join(hub, 'model.safetensors'), asHub, { format: 'pt' });
    copyFileSync(join(FIXTURE, 'config.json'), join(prefixed, 'config.json'));
    copyFileSync(join(FIXTURE, 'config.json'), join(hub, 'config.json'));
    expect([...asHub.keys()].some((n) => n.startsWith('transformer.'))).toBe(false);

    const backend = new ReferenceBackend();
    const fromSaved = await GPT2.load(prefixed, backend);
    const fromHub = await GPT2.load(hub, backend);
    const a = await weights(fromSaved);
    expect(a.size).toBe(init.tensors.size);
    expect(await weights(fromHub)).toEqual(a);
    expect(a.get('transformer.h.1.attn.c_attn.weight')).toEqual(
      Array.from((init.tensors.get('transformer.h.1.attn.c_attn.weight')?.data ?? []) as Float32Array),
    );
  });
});
