import { GPT2 } from '@kiln/gpt2';
import { createTextGenerator } from '@kiln/sampling';
import { ReferenceBackend } from '@kiln/tensor';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serve } from '../src/index.js';
import { byteTokenizer, gpt2NextTokenModel } from './gpt2-model.js';

let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  const gpt = new GPT2({ vocabSize: 257, nPositions: 48, nLayer: 1, nEmbd: 32, nHead: 2 }, new ReferenceBackend());
  const generator = createTextGenerator({
    name: 'tiny-gpt2',
    model: gpt2NextTokenModel(gpt),
    tokenizer: byteTokenizer,
  });
  server = await serve(generator, { port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => server.close());

describe('a real (tiny, untrained) Kiln GPT-2 behind kiln serve', () => {
  it('streams and answers the same tokens for the same seed', async () => {
    const request = { model: 'tiny-gpt2', prompt: 'Hello', max_tokens: 12, seed: 5, temperature: 1.2 } as const;
    const plain = await client.completions.create(request);
    const again = await client.completions.create(request);
    expect(plain.choices[0].text).toBe(again.choices[0].text);
    expect(plain.usage).toMatchObject({ prompt_tokens: 5 });
    const stream = await client.completions.create({ ...request, stream: true });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0].text;
    expect(streamed).toBe(plain.choices[0].text);
  });

  it('refuses a prompt longer than the model context with 400', async () => {
    const err = await client.completions.create({ model: 'tiny-gpt2', prompt: 'x'.repeat(60) }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
  });
});
