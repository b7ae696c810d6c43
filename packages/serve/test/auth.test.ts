/**
 * The API key guards every route but the allow-list (/health), whatever spelling of
 * the path reaches the router: requests go out over a real socket with the raw path
 * (node's http client sends it as written; fetch would normalise it first).
 */
import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RunningServer, serve } from '../src/index.js';
import { fakeGenerator } from './fake-generator.js';

const KEY = 'sekret';
let server: RunningServer;
let port: number;

beforeAll(async () => {
  server = await serve(fakeGenerator(), { port: 0, apiKey: KEY });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

interface Answer {
  status: number;
  body: string;
}

function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

/** Spellings of one path that a router might match: encoded, doubled slashes, dot segments, case. */
function variants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const encodeAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  const encodeFirst = (s: string) => `%${s.charCodeAt(0).toString(16)}${s.slice(1)}`;
  const upper = (s: string) => s.replace(/%([0-9a-f]{2})/g, (_, h: string) => `%${h.toUpperCase()}`);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const out = [
    path,
    `${path}/`,
    `${path}?x=/health`,
    `${path}#frag`,
    join(segments.map(encodeFirst)),
    upper(join(segments.map(encodeFirst))),
    join(segments.map(encodeAll)),
    join([encodeAll(segments[0]), ...segments.slice(1)]),
    join([...segments.slice(0, -1), encodeAll(segments.at(-1) as string)]),
    `/${segments.join('%2F')}`,
    `/${segments.join('%2f')}`,
    `/${path}`,
    path.replace(/\//g, '//'),
    `${path.split('/').slice(0, 2).join('/')}//${segments.slice(1).join('/')}`,
    join([segments[0], '.', ...segments.slice(1)]),
    join(['x', '..', ...segments]),
    join(['health', '..', ...segments]),
    join(['health', '%2e%2e', ...segments]),
    join([segments[0], '%2E', ...segments.slice(1)]),
    `/health%2F..%2F${segments.join('%2F')}`,
    `/health/%2e%2e/${segments.join('/')}`,
    path.toUpperCase(),
    join([segments[0].toUpperCase(), ...segments.slice(1)]),
    join(segments.map((s) => s[0].toUpperCase() + s.slice(1))),
    join([encodeAll(segments[0].toUpperCase()), ...segments.slice(1)]),
    `${path};x`,
    `${path}%00`,
    `${path}%20`,
    `/.${path}`,
    `/./${segments.join('/./')}`,
  ];
  return [...new Set(out)];
}

const routes: Array<{ method: string; path: string; body?: unknown }> = [
  { method: 'GET', path: '/v1/models' },
  { method: 'HEAD', path: '/v1/models' },
  { method: 'GET', path: '/v1/models/kiln-fake' },
  { method: 'POST', path: '/v1/completions', body: { model: 'kiln-fake', prompt: 'x', max_tokens: 2 } },
  {
    method: 'POST',
    path: '/v1/chat/completions',
    body: { model: 'kiln-fake', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 },
  },
];

describe('API key on every route', () => {
  for (const route of routes) {
    it(`${route.method} ${route.path}: no spelling answers without the key`, async () => {
      const seen: string[] = [];
      for (const path of variants(route.path)) {
        for (const headers of [{}, { authorization: 'Bearer wrong!' }, { authorization: `Bearer ${KEY}x` }]) {
          const res = await send(route.method, path, route.body, headers);
          seen.push(`${route.method} ${path} ${JSON.stringify(headers)} -> ${res.status}`);
          // Only 400 (a path the HTTP parser itself refuses) or 401 may come back; never an answer, never a 404 that says what exists.
          expect([400, 401], seen.at(-1)).toContain(res.status);
        }
      }
      expect(seen.length).toBeGreaterThan(60);
    });
  }

  it('with the key, the canonical paths answer', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    for (const route of routes) {
      const res = await send(route.method, route.path, route.body, auth);
      expect(res.status, `${route.method} ${route.path}`).toBe(200);
    }
    expect((await send('GET', '/v1/nothing', undefined, auth)).status).toBe(404);
    // The router decodes these to /v1/models: the spellings above reach real routes.
    for (const path of ['/%761/models', '/%76%31/models', '/v1/mo%64els'])
      expect((await send('GET', path, undefined, auth)).status, path).toBe(200);
  });

  it('leaves the allow-list (/health) open in every spelling that routes to it', async () => {
    expect((await send('GET', '/health')).status).toBe(200);
    expect((await send('GET', '/%68ealth')).status).toBe(200);
    expect((await send('HEAD', '/health')).status).toBe(200);
  });

  it('an unknown path without the key is 401, not 404', async () => {
    expect((await send('GET', '/v2/anything')).status).toBe(401);
    expect((await send('POST', '/', {})).status).toBe(401);
    expect((await send('OPTIONS', '/v1/models')).status).toBe(401);
  });

  it('the official client with an encoded base URL and a wrong key gets 401', async () => {
    for (const base of ['/%761', '/%76%31', '/V1', '//v1', '/x/../v1']) {
      const client = new OpenAI({ baseURL: `${server.url}${base}`, apiKey: 'wrong', maxRetries: 0 });
      const err = await client.completions
        .create({ model: 'kiln-fake', prompt: 'x', max_tokens: 2 })
        .then(() => undefined)
        .catch((e) => e);
      expect(err?.status, base).toBe(401);
      const chat = await client.chat.completions
        .create({ model: 'kiln-fake', messages: [{ role: 'user', content: 'x' }] })
        .then(() => undefined)
        .catch((e) => e);
      expect(chat?.status, base).toBe(401);
    }
  });

  it('an empty key is refused, not taken as "no key"', () => {
    expect(() => createServer(fakeGenerator(), { apiKey: '' })).toThrow(/serve option 'apiKey' is empty/);
    expect(() => createServer(fakeGenerator(), { apiKey: ' x' })).toThrow(/printable ASCII without spaces/);
  });
});
