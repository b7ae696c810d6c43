import { cachedNextTokenModel, uncachedNextTokenModel } from '@kiln/generate';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator, type NextTokenModel } from '@kiln/sampling';
import { type Backend, createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const config = { vocabSize: 61, nPositions: 40, nLayer: 2, nEmbd: 32, nHead: 4 };
const tokenizer = {
  // No end-of-text id: every generation runs its full length.
  encode: (text: string) => [...text].map((c) => c.charCodeAt(0) % 60),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => String.fromCharCode(65 + (i % 60))).join(''),
};

/** A backend without the optional inference ops: generation must take the fallbacks. */
function withoutInferenceOps(): Backend {
  const be = new ReferenceBackend();
  return new Proxy(be, {
    get: (target, key) =>
      key === 'attentionKV' || key === 'matmulQ' || key === 'embeddingQ' ? undefined : Reflect.get(target, key, target),
  });
}

async function generate(model: NextTokenModel, seed: number, temperature: number): Promise<number[]> {
  const gen = createTextGenerator({ name: 't', model, tokenizer });
  const ids: number[] = [];
  for await (const chunk of gen.generate('hello', { maxTokens: 30, seed, temperature, topK: 20 }))
    if (chunk.tokenId >= 0) ids.push(chunk.tokenId);
  return ids;
}

describe('KV cache', () => {
  it('logits match the autograd forward pass of the same model', async () => {
    const be = new ReferenceBackend();
    const model = new GPT2(config, be, createRng(7));
    const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 61);
    const full = noGrad(() => tidy(() => model.forward(ids, null, { T: 12 }).logits));
    const want = (await full.toArray()) as Float32Array;
    const engine = Gpt2Engine.fromGpt2(model);
    // Prefill 5 tokens, then the remaining 7 one at a time through the cache.
    const cache = engine.createCache(1, 12);
    const rows: Float32Array[] = [];
    const first = await engine.forward(ids.slice(0, 5), cache, 0);
    rows.push((await be.read(first)) as Float32Array);
    for (let t = 5; t < 12; t++) {
      const step = await engine.forward(ids.slice(t, t + 1), cache, t);
      rows.push((await be.read(step)) as Float32Array);
    }
    const got = Float32Array.from(rows.flatMap((r) => Array.from(r)));
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('generation with and without the cache gives identical tokens for the same seed (sampled and greedy)', async () => {
    const model = new GPT2(config, new ReferenceBackend(), createRng(3));
    const engine = Gpt2Engine.fromGpt2(model);
    for (const [seed, temperature] of [
      [1, 1],
      [2, 0.8],
      [3, 0],
    ] as const) {
      const cached = cachedNextTokenModel(engine);
      const plain = uncachedNextTokenModel(engine);
      const a = await generate(cached, seed, temperature);
      const b = await generate(plain, seed, temperature);
      expect(a.length).toBe(30);
      expect(a).toEqual(b);
      // O(n): the cached model ran each token through the network once; the plain one reran the prefix.
      expect(cached.stats.tokensProcessed).toBe(5 + 29);
      expect(plain.stats.tokensProcessed).toBe(Array.from({ length: 30 }, (_, i) => 5 + i).reduce((s, n) => s + n, 0));
      cached.dispose();
    }
  });

  it('a backend without attentionKV/matmulQ falls back and generates the same tokens', async () => {
    const a = Gpt2Engine.fromGpt2(new GPT2(config, new ReferenceBackend(), createRng(5)));
    const b = Gpt2Engine.fromGpt2(new GPT2(config, withoutInferenceOps(), createRng(5)));
    expect(b.backend.attentionKV).toBeUndefined();
    expect(await generate(cachedNextTokenModel(b), 9, 1)).toEqual(await generate(cachedNextTokenModel(a), 9, 1));
  });

  it('a sequence that does not extend the cached one starts over; too long a context is refused', async () => {
    const engine = Gpt2Engine.fromGpt2(new GPT2(config, new ReferenceBackend(), createRng(1)));
    const m = cachedNextTokenModel(engine);
    const plain = uncachedNextTokenModel(engine);
    await m.nextLogits([1, 2, 3]);
    expect(m.cachedTokens).toBe(3);
    const other = await m.nextLogits([4, 5]);
    expect(m.cachedTokens).toBe(2);
    expect(Array.from(other)).toEqual(Array.from(await plain.nextLogits([4, 5])));
    await expect(m.nextLogits(new Array(41).fill(1))).rejects.toThrow(/exceed the model's context \(40\)/);
  });
});
