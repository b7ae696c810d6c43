/**
 * Aggregate tokens/s of `kiln serve` (OpenAI completions over HTTP on 127.0.0.1,
 * streamed) with 1, 4 and 16 clients at once, each asking for the same number
 * of new tokens: continuous batching decodes the open streams together.
 */
import { batchedNextTokenModel } from '@kiln/generate';
import type { Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator } from '@kiln/sampling';
import { serve } from '@kiln/serve';

// Bytes as tokens; no end-of-text, so every stream runs to max_tokens.
const tokenizer = {
  encode: (text: string) => [...Buffer.from(text, 'utf8')],
  decode: (ids: ArrayLike<number>) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('latin1'),
};

export interface StreamsTiming {
  streams: number;
  tokens: number;
  seconds: number;
  tokensPerS: number;
  widestStep: number;
}

async function stream(url: string, prompt: string, maxTokens: number, seed: number): Promise<number> {
  const res = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench', prompt, max_tokens: maxTokens, stream: true, seed, temperature: 1 }),
  });
  if (res.status !== 200) throw new Error(`kiln serve answered ${res.status}: ${await res.text()}`);
  let events = 0;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    events += decoder
      .decode(value, { stream: true })
      .split('\n\n')
      .filter((e) => e.startsWith('data: {')).length;
  }
  return events;
}

export async function serveStreams(engine: Gpt2Engine, counts: number[], maxTokens: number): Promise<StreamsTiming[]> {
  const model = batchedNextTokenModel(engine, { maxBatch: Math.max(...counts) });
  const server = await serve(createTextGenerator({ name: 'bench', model, tokenizer }), { port: 0, maxQueue: 64 });
  const out: StreamsTiming[] = [];
  try {
    // Warm-up: the cache grows to its widest once, outside the timings.
    await Promise.all(Array.from({ length: Math.max(...counts) }, (_, i) => stream(server.url, 'warm up', 2, i)));
    for (const n of counts) {
      const widest = model.stats.widest;
      model.stats.widest = 0;
      const t0 = performance.now();
      // A 16-byte prompt each (16 tokens), like the single-stream rows.
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          stream(server.url, `Stream ${String(i).padStart(2, '0')} prompt.`, maxTokens, i),
        ),
      );
      const seconds = (performance.now() - t0) / 1000;
      out.push({
        streams: n,
        tokens: n * maxTokens,
        seconds,
        tokensPerS: (n * maxTokens) / seconds,
        widestStep: model.stats.widest,
      });
      model.stats.widest = Math.max(widest, model.stats.widest);
    }
  } finally {
    await server.close();
    model.dispose();
  }
  return out;
}
