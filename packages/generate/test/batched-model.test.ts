import { batchedNextTokenModel } from '@kiln/generate';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator, type GenerateOptions } from '@kiln/sampling';
import { createRng, type InferenceEngine, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const config = { vocabSize: 61, nPositions: 40, nLayer: 2, nEmbd: 32, nHead: 4 };
const tokenizer = {
  eosId: 60,
  encode: (text: string) => [...text].map((c) => c.charCodeAt(0) % 60),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => String.fromCharCode(65 + (i % 60))).join(''),
};

function engine(): InferenceEngine {
  return Gpt2Engine.fromGpt2(new GPT2(config, new ReferenceBackend(), createRng(3)));
}

/** Requests of every kind: greedy and sampled, seeds, stop strings, lengths. */
const requests: Array<{ prompt: string; options: GenerateOptions }> = [
  { prompt: 'hello', options: { maxTokens: 20, seed: 1, temperature: 1 } },
  { prompt: 'a', options: { maxTokens: 9, temperature: 0 } },
  { prompt: 'the quick brown fox', options: { maxTokens: 15, seed: 7, temperature: 0.8, topK: 10 } },
  { prompt: 'hello', options: { maxTokens: 20, seed: 2, temperature: 1.3, stop: ['B', 'Q'] } },
  { prompt: 'zz', options: { maxTokens: 30, seed: 3, topP: 0.9, stop: ['KL'] } },
  { prompt: 'hello', options: { maxTokens: 12, seed: 1, temperature: 1 } },
];

async function text(gen: ReturnType<typeof createTextGenerator>, r: (typeof requests)[number], signal?: AbortSignal) {
  let out = '';
  let finish: string | undefined;
  for await (const c of gen.generate(r.prompt, { ...r.options, signal })) {
    out += c.text;
    finish = c.finishReason ?? finish;
  }
  return `${out}|${finish}`;
}

describe('continuous batching (batchedNextTokenModel)', () => {
  it('concurrent generations give each the same text as alone, decoded in shared steps', async () => {
    const e = engine();
    const alone: string[] = [];
    for (const r of requests) {
      const model = batchedNextTokenModel(e);
      alone.push(await text(createTextGenerator({ name: 't', model, tokenizer }), r));
      model.dispose();
    }
    const model = batchedNextTokenModel(e);
    const gen = createTextGenerator({ name: 't', model, tokenizer });
    expect(await Promise.all(requests.map((r) => text(gen, r)))).toEqual(alone);
    expect(model.stats.widest).toBeGreaterThan(1);
    // A one-token prompt goes straight into a decode step.
    expect(model.stats.prefills).toBe(requests.filter((r) => r.prompt.length > 1).length);
    expect(model.sessions).toBe(0);
    model.dispose();
  });

  it('more generations than maxBatch wait for a row; steps never hold more', async () => {
    const e = engine();
    const alone: string[] = [];
    for (const r of requests) {
      const model = batchedNextTokenModel(e, { maxBatch: 1 });
      alone.push(await text(createTextGenerator({ name: 't', model, tokenizer }), r));
      model.dispose();
    }
    const model = batchedNextTokenModel(e, { maxBatch: 2 });
    const gen = createTextGenerator({ name: 't', model, tokenizer });
    expect(await Promise.all(requests.map((r) => text(gen, r)))).toEqual(alone);
    expect(model.stats.widest).toBe(2);
    model.dispose();
  });

  it('a cancelled generation ends with its abort and frees its row; the others finish unchanged', async () => {
    const e = engine();
    const model = batchedNextTokenModel(e, { maxBatch: 3 });
    const gen = createTextGenerator({ name: 't', model, tokenizer });
    const want = await Promise.all(requests.slice(0, 2).map((r) => text(gen, r)));
    const controller = new AbortController();
    const long = { prompt: 'abc', options: { maxTokens: 35, seed: 9 } };
    let chunks = 0;
    const cancelled = (async () => {
      for await (const _ of gen.generate(long.prompt, { ...long.options, signal: controller.signal }))
        if (++chunks === 4) controller.abort(new Error('client went away'));
    })();
    const others = Promise.all(requests.slice(0, 2).map((r) => text(gen, r)));
    await expect(cancelled).rejects.toThrow('client went away');
    expect(await others).toEqual(want);
    expect(model.sessions).toBe(0);
    // Its row serves the next generation.
    expect(await text(gen, requests[0])).toBe(want[0]);
    model.dispose();
  });

  it('an engine without decode serves each generation from its own cache, with the same texts', async () => {
    const e = engine();
    const plain: InferenceEngine = Object.create(e, { decode: { value: undefined } });
    const batched = batchedNextTokenModel(e);
    const perSession = batchedNextTokenModel(plain);
    const a = createTextGenerator({ name: 't', model: batched, tokenizer });
    const b = createTextGenerator({ name: 't', model: perSession, tokenizer });
    expect(await Promise.all(requests.map((r) => text(b, r)))).toEqual(
      await Promise.all(requests.map((r) => text(a, r))),
    );
    batched.dispose();
    perSession.dispose();
  });

  it('refuses a bad maxBatch, and plain nextLogits calls (sessions only)', async () => {
    expect(() => batchedNextTokenModel(engine(), { maxBatch: 0 })).toThrow(/maxBatch must be an integer >= 1/);
    expect(() => batchedNextTokenModel(engine()).nextLogits([1])).toThrow(/open\(\) sessions/);
  });
});
