import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serve } from '../src/index.js';
import { fakeGenerator } from './fake-generator.js';

let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  server = await serve(fakeGenerator(), { port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => server.close());

describe('OpenAI client against kiln serve', () => {
  it('binds 127.0.0.1 by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['kiln-fake']);
    expect((await client.models.retrieve('kiln-fake')).id).toBe('kiln-fake');
  });

  it('answers a completion', async () => {
    const r = await client.completions.create({ model: 'kiln-fake', prompt: 'hello', max_tokens: 8 });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]).toMatchObject({ index: 0, text: 'echo: he', finish_reason: 'length' });
    expect(r.usage).toEqual({ prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 });
  });

  it('streams a completion that equals the plain answer, ending with [DONE]', async () => {
    const stream = await client.completions.create({
      model: 'kiln-fake',
      prompt: 'hi',
      max_tokens: 50,
      stream: true,
      stop: ['<|im_end|>'],
    });
    const parts: string[] = [];
    const finishes: Array<string | null> = [];
    for await (const chunk of stream) {
      parts.push(chunk.choices[0].text);
      finishes.push(chunk.choices[0].finish_reason);
    }
    expect(parts.join('')).toBe('echo: hi');
    expect(parts.length).toBeGreaterThan(3);
    expect(finishes.at(-1)).toBe('stop');
    expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
  });

  it('answers a chat completion through the chat template', async () => {
    const r = await client.chat.completions.create({
      model: 'kiln-fake',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'ping' },
      ],
    });
    // ChatML puts "<|im_start|>assistant" last; its end marker is a stop sequence.
    expect(r.choices[0].message).toMatchObject({ role: 'assistant', content: 'echo: <|im_start|>assistant' });
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(r.object).toBe('chat.completion');
  });

  it('streams a chat completion with a role delta first and usage last', async () => {
    const stream = await client.chat.completions.create({
      model: 'kiln-fake',
      messages: [{ role: 'user', content: 'ping' }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 7,
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: <');
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(7);
  });

  it('turns a bad request into a 400 the client understands', async () => {
    const err = await client.completions.create({ model: 'kiln-fake', prompt: 'x', temperature: 7 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.param).toBe('temperature');
    const missing = await client.chat.completions
      .create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('model_not_found');
  });
});
