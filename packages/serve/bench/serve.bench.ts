/**
 * Bounded load test of `kiln serve` on 127.0.0.1 only: a fixed number of requests
 * from a few concurrent clients, stopped at a time cap. The model is a synthetic
 * byte-level one (random logits, 257 tokens), so the figures are the server's and
 * the sampler's overhead, not a network's speed.
 * Run: npm run bench -- serve
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createTextGenerator, seededUniform } from '@kiln/sampling';
import { serve } from '../src/index.js';

const REQUESTS = 300;
const CLIENTS = 8;
const TIME_CAP_MS = 20_000;
const MAX_TOKENS = 32;

const noise = seededUniform(1);
// End-of-text (256) is never drawn, so every request generates exactly MAX_TOKENS tokens.
const table = Array.from({ length: 64 }, () =>
  Float32Array.from({ length: 257 }, (_, i) => (i === 256 ? -Infinity : noise.next() * 4)),
);
const generator = createTextGenerator({
  name: 'bench-bytes',
  model: { contextLength: 1024, nextLogits: (tokens) => table[tokens.length % table.length] },
  tokenizer: {
    eosId: 256,
    encode: (t) => Array.from(Buffer.from(t, 'utf8')),
    decode: (ids) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('latin1'),
  },
});

const server = await serve(generator, { port: 0, concurrency: 1, maxQueue: 64 });
const results: Array<{ mode: string; ms: number; ttftMs: number; status: number }> = [];
const started = performance.now();
let issued = 0;

async function one(stream: boolean): Promise<void> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'bench-bytes',
      prompt: 'The quick brown fox',
      max_tokens: MAX_TOKENS,
      stream,
      seed: issued,
    }),
  });
  let ttft = NaN;
  const reader = res.body!.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (Number.isNaN(ttft)) ttft = performance.now() - t0;
    if (done) break;
  }
  results.push({ mode: stream ? 'stream' : 'json', ms: performance.now() - t0, ttftMs: ttft, status: res.status });
}

async function client(): Promise<void> {
  while (issued < REQUESTS && performance.now() - started < TIME_CAP_MS) await one(issued++ % 2 === 0);
}
await Promise.all(Array.from({ length: CLIENTS }, client));
const wallMs = performance.now() - started;
await server.close();

const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const rows = ['json', 'stream'].map((mode) => {
  const rs = results.filter((r) => r.mode === mode && r.status === 200);
  return {
    mode,
    ok: rs.length,
    p50Ms: +pct(
      rs.map((r) => r.ms),
      0.5,
    ).toFixed(2),
    p95Ms: +pct(
      rs.map((r) => r.ms),
      0.95,
    ).toFixed(2),
    ttftP50Ms: +pct(
      rs.map((r) => r.ttftMs),
      0.5,
    ).toFixed(2),
  };
});
const summary = {
  requests: results.length,
  non200: results.filter((r) => r.status !== 200).length,
  wallMs: +wallMs.toFixed(0),
  requestsPerSecond: +((results.length / wallMs) * 1000).toFixed(1),
  tokensPerSecond: +(((results.length * MAX_TOKENS) / wallMs) * 1000).toFixed(0),
  clients: CLIENTS,
  maxTokens: MAX_TOKENS,
};
console.table(rows);
console.table([summary]);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/serve.json',
  JSON.stringify({ name: 'serve', node: process.version, summary, rows }, null, 2),
);
