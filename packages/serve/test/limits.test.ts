import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, type ServeOptions, serve } from '../src/index.js';
import { fakeGenerator } from './fake-generator.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(opts: ServeOptions = {}, gen = fakeGenerator()) {
  const s = await serve(gen, { port: 0, ...opts });
  servers.push(s);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { url: s.url, post, gen };
}

async function expectError(
  res: Response,
  status: number,
  match: Partial<{ type: string; param: string | null; code: string | null }> = {},
) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = await res.json();
  expect(typeof body.error.message).toBe('string');
  expect(body.error).toMatchObject(match);
  return body.error.message as string;
}

describe('bad requests get 4xx JSON errors in OpenAI shape', () => {
  it('covers malformed, invalid, unsupported and oversized bodies', async () => {
    const { post, url } = await start({ bodyLimit: 2048 });
    await expectError(await post('/v1/completions', '{"model": '), 400, { type: 'invalid_request_error' });
    await expectError(await post('/v1/completions', { model: 'kiln-fake' }), 400, { param: 'prompt' });
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x', max_tokens: '5' }), 400, {
      param: 'max_tokens',
    });
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x', n: 2 }), 400, { param: 'n' });
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: ['a', 'b'] }), 400, {
      param: 'prompt',
    });
    await expectError(
      await post('/v1/completions', { model: 'kiln-fake', prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }),
      400,
      { param: 'stop' },
    );
    await expectError(await post('/v1/chat/completions', { model: 'kiln-fake', messages: [] }), 400, {
      param: 'messages',
    });
    await expectError(
      await post('/v1/chat/completions', { model: 'kiln-fake', messages: [{ role: 'wizard', content: 'x' }] }),
      400,
    );
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x'.repeat(500) }), 400, {
      code: 'context_length_exceeded',
    });
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x', max_tokens: 100000 }), 400, {
      param: 'max_tokens',
    });
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x'.repeat(4000) }), 413, {
      code: 'request_too_large',
    });
    await expectError(await post('/v1/completions', '<prompt/>', { 'content-type': 'application/xml' }), 415);
    // Only JSON is a request body here: text/plain is an unsupported media type, as for any other.
    await expectError(await post('/v1/completions', 'prompt', { 'content-type': 'text/plain' }), 415, {
      code: 'unsupported_media_type',
    });
    await expectError(await post('/v1/chat/completions', 'hi', { 'content-type': 'text/plain; charset=utf-8' }), 415);
    await expectError(await fetch(`${url}/v1/nothing`), 404, { code: 'not_found' });
    // Still healthy afterwards.
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({
      status: 'ok',
      queue: { running: 0, waiting: 0 },
    });
  });

  it('requires the API key when one is set', async () => {
    const { post, url } = await start({ apiKey: 'sekret' });
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x' }), 401, {
      code: 'invalid_api_key',
    });
    const ok = await post('/v1/completions', { model: 'kiln-fake', prompt: 'x' }, { authorization: 'Bearer sekret' });
    expect(ok.status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('prompt edges', () => {
  it('an empty completions prompt is refused with a message that says so', async () => {
    const { post } = await start();
    for (const prompt of ['', ['']]) {
      const message = await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt }), 400, {
        param: 'prompt',
      });
      expect(message).toMatch(/prompt is empty/);
    }
  });

  it('prompt + max_tokens beyond the context is a 400, as OpenAI and vLLM answer, not a silent cut', async () => {
    const { post } = await start(); // the fake's context: 200 tokens, one per character
    const long = 'x'.repeat(150);
    const message = await expectError(
      await post('/v1/completions', { model: 'kiln-fake', prompt: long, max_tokens: 60 }),
      400,
      { param: 'max_tokens', code: 'context_length_exceeded' },
    );
    expect(message).toMatch(/context holds 200 tokens.*prompt has 150.*max_tokens asks for 60.*at most 50/);
    await expectError(
      await post('/v1/chat/completions', {
        model: 'kiln-fake',
        messages: [{ role: 'user', content: 'x'.repeat(120) }], // 170 with ChatML's markers
        max_completion_tokens: 100,
      }),
      400,
      { param: 'max_tokens', code: 'context_length_exceeded' },
    );
    // Exactly filling the context is fine.
    const fits = await post('/v1/completions', { model: 'kiln-fake', prompt: long, max_tokens: 50 });
    expect(fits.status).toBe(200);
    // A max_tokens the client did not give shrinks to the room left instead.
    const chat = await post('/v1/chat/completions', {
      model: 'kiln-fake',
      messages: [{ role: 'user', content: 'x'.repeat(120) }],
    });
    expect(chat.status).toBe(200);
    const near = await post('/v1/completions', { model: 'kiln-fake', prompt: 'y'.repeat(195) });
    expect(near.status).toBe(200);
    expect((await near.json()).usage).toMatchObject({ prompt_tokens: 195, completion_tokens: 5 });
  });
});

describe('a generator that fails', () => {
  it('answers 500 in OpenAI shape (stream: an error event), logs it, and keeps serving', async () => {
    const logged: string[] = [];
    const logger = {
      info() {},
      warn() {},
      error: (m: string, d?: Record<string, unknown>) => logged.push(`${m} ${String(d?.error)}`),
    };
    const { post, url } = await start({ logger }, fakeGenerator({ failAt: 3 }));
    await expectError(await post('/v1/completions', { model: 'kiln-fake', prompt: 'x', max_tokens: 10 }), 500, {
      type: 'server_error',
    });
    const res = await post('/v1/completions', { model: 'kiln-fake', prompt: 'x', max_tokens: 10, stream: true });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe(
      'data: {"error":{"message":"internal server error","type":"server_error","param":null,"code":null}}',
    );
    expect(events.some((e) => e.includes('[DONE]'))).toBe(false);
    expect(logged.join('\n')).toMatch(/model exploded[\s\S]*model exploded/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('queue and deadlines', () => {
  it('runs one generation at a time and refuses beyond the queue limit with 429', async () => {
    const { post, url } = await start({ concurrency: 1, maxQueue: 1 }, fakeGenerator({ delayMs: 20 }));
    const body = { model: 'kiln-fake', prompt: 'abc', max_tokens: 5 };
    const first = post('/v1/completions', body);
    const second = post('/v1/completions', body);
    await new Promise((r) => setTimeout(r, 30));
    const health = await (await fetch(`${url}/health`)).json();
    expect(health.queue).toMatchObject({ running: 1, waiting: 1 });
    await expectError(await post('/v1/completions', body), 429, { type: 'rate_limit_error', code: 'queue_full' });
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it('answers 504 past the deadline, and ends a stream with an error event', async () => {
    const { url } = await start({ timeoutMs: 60 }, fakeGenerator({ delayMs: 25 }));
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const err = await client.completions.create({ model: 'kiln-fake', prompt: 'abc', max_tokens: 20 }).catch((e) => e);
    expect(err.status).toBe(504);
    expect(err.code).toBe('timeout');
    const stream = await client.completions.create({ model: 'kiln-fake', prompt: 'abc', max_tokens: 20, stream: true });
    const seen: string[] = [];
    await expect(async () => {
      for await (const c of stream) seen.push(c.choices[0].text);
    }).rejects.toThrow(/did not finish within/);
    expect(seen.join('')).toMatch(/^e/); // the first token comes before the stream opens
  });

  it('stops generating when the client goes away and frees the slot', async () => {
    const gen = fakeGenerator({ delayMs: 15 });
    const { url } = await start({}, gen);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const ac = new AbortController();
    const stream = await client.completions.create(
      { model: 'kiln-fake', prompt: 'abcdefgh', max_tokens: 30, stream: true },
      { signal: ac.signal },
    );
    let chunks = 0;
    for await (const _ of stream) {
      chunks++;
      ac.abort();
    }
    expect(chunks).toBe(1);
    await expect.poll(() => gen.aborted, { timeout: 2000 }).toBe(1);
    const r = await client.completions.create({ model: 'kiln-fake', prompt: 'z', max_tokens: 3 });
    expect(r.choices[0].text).toBe('ech');
  });
});
