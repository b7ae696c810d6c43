// Continuous batching over a Llama (GQA, rotary embeddings): generations run at
// once share Engine.decode steps, each at its own position, and every one gets
// the text it gets alone. Native backend, where a row's logits do not depend on
// the batch (same bits), so sampled texts must match exactly.
import { NativeBackend } from '@kiln/backend-native';
import { batchedNextTokenModel } from '@kiln/generate';
import { Llama, LlamaEngine } from '@kiln/llama';
import { createTextGenerator, type GenerateOptions } from '@kiln/sampling';
import { createRng } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const config = { vocabSize: 61, nPositions: 48, nLayer: 2, nEmbd: 32, nHead: 4, nKvHead: 2, initializerRange: 0.1 };
const tokenizer = {
  eosId: 60,
  encode: (text: string) => [...text].map((c) => c.charCodeAt(0) % 60),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => String.fromCharCode(65 + (i % 60))).join(''),
};

/** Prompts of different lengths, so the rows of a step sit at different positions. */
const requests: Array<{ prompt: string; options: GenerateOptions }> = [
  { prompt: 'hello', options: { maxTokens: 20, seed: 1, temperature: 1 } },
  { prompt: 'a', options: { maxTokens: 9, temperature: 0 } },
  { prompt: 'the quick brown fox', options: { maxTokens: 15, seed: 7, temperature: 0.8, topK: 10 } },
  { prompt: 'zz', options: { maxTokens: 30, seed: 3, topP: 0.9 } },
];

async function text(gen: ReturnType<typeof createTextGenerator>, r: (typeof requests)[number]) {
  let out = '';
  for await (const c of gen.generate(r.prompt, r.options)) out += c.text;
  return out;
}

let backend: NativeBackend;
beforeAll(async () => {
  backend = await NativeBackend.create({ threads: 2 });
});
afterAll(() => backend.dispose());

describe('continuous batching with a Llama', () => {
  it('concurrent generations give each the same text as alone, in shared decode steps', async () => {
    const engine = LlamaEngine.fromLlama(new Llama(config, backend, createRng(3)));
    const alone: string[] = [];
    for (const r of requests) {
      const model = batchedNextTokenModel(engine);
      alone.push(await text(createTextGenerator({ name: 't', model, tokenizer }), r));
      model.dispose();
    }
    const model = batchedNextTokenModel(engine);
    const gen = createTextGenerator({ name: 't', model, tokenizer });
    expect(await Promise.all(requests.map((r) => text(gen, r)))).toEqual(alone);
    expect(model.stats.widest).toBeGreaterThan(1);
    expect(model.sessions).toBe(0);
    model.dispose();
  });
});
