import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sequencePerplexity } from '@kiln/eval';
import { fromHFConfig, GPT2, Gpt2Engine } from '@kiln/gpt2';
import { parseSafetensors, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../../test/fixtures/gpt2-tiny/', import.meta.url));

function fixtureModel() {
  const st = (name: string) => parseSafetensors(readFileSync(DIR + name), DIR + name);
  const model = new GPT2(
    fromHFConfig(JSON.parse(readFileSync(DIR + 'config.json', 'utf8')), DIR + 'config.json'),
    new ReferenceBackend(),
  );
  const init = st('init.safetensors');
  model.loadStateDict(
    new Map([...init.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }])),
    'init.safetensors',
  );
  const batch = st('batch.safetensors');
  const meta = JSON.parse(readFileSync(DIR + 'fixture.json', 'utf8')) as { B: number; T: number; loss: number };
  return {
    model,
    inputs: batch.tensors.get('inputs')!.data as Int32Array,
    targets: batch.tensors.get('targets')!.data as Int32Array,
    meta,
  };
}

describe('perplexity on the PyTorch GPT-2 fixture', () => {
  it('equals exp(fixture loss), batched and row by row', async () => {
    const { model, inputs, targets, meta } = fixtureModel();
    const engine = Gpt2Engine.fromGpt2(model);
    const losses = await engine.tokenLosses(inputs, targets, meta.B);
    const mean = losses.reduce((s, l) => s + l, 0) / losses.length;
    expect(Math.abs(Math.exp(mean) / Math.exp(meta.loss) - 1)).toBeLessThan(1e-5);

    // Row by row (B = 1) gives the same total.
    let nll = 0;
    for (let b = 0; b < meta.B; b++) {
      const row = await engine.tokenLosses(
        inputs.slice(b * meta.T, (b + 1) * meta.T),
        targets.slice(b * meta.T, (b + 1) * meta.T),
        1,
      );
      nll += row.reduce((s, l) => s + l, 0);
    }
    expect(Math.abs(Math.exp(nll / (meta.B * meta.T)) / Math.exp(meta.loss) - 1)).toBeLessThan(1e-5);
  });

  it('strided windows score every token once; a stride shorter than the window lowers (or keeps) the loss', async () => {
    const { model, inputs } = fixtureModel();
    const engine = Gpt2Engine.fromGpt2(model);
    const ids = Array.from(inputs); // 33 tokens, more than the 16-position context
    const plain = await sequencePerplexity(engine, ids);
    const strided = await sequencePerplexity(engine, ids, { stride: 4 });
    expect(plain.tokens).toBe(ids.length - 1);
    expect(strided.tokens).toBe(ids.length - 1);
    expect(strided.ppl).not.toBe(plain.ppl);
    await expect(sequencePerplexity(engine, ids, { stride: 17 })).rejects.toThrow(/stride must be an integer in 1..16/);
  });
});
