// kiln serve with continuous batching, over HTTP, on the native backend: requests
// with their own seeds, temperatures and stop rules, streamed and not, some
// cancelled by their clients mid-stream, all running at once. Every request that
// finishes gets exactly the text it gets when it is the only one served, the
// steps really hold several sequences, and every cache row is free afterwards.
import { NativeBackend } from '@kiln/backend-native';
import { batchedNextTokenModel } from '@kiln/generate';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator } from '@kiln/sampling';
import { type RunningServer, serve } from '@kiln/serve';
import { createRng } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Bytes as tokens, 256 as end-of-text.
const tokenizer = {
  eosId: 256,
  encode: (text: string) => [...Buffer.from(text, 'utf8')],
  decode: (ids: ArrayLike<number>) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('latin1'),
};

interface Request {
  prompt: string;
  max_tokens: number;
  stream: boolean;
  seed?: number;
  temperature?: number;
  top_k?: number;
  stop?: string[];
}

const rng = createRng(11);
const requests: Request[] = Array.from({ length: 14 }, (_, i) => ({
  prompt: ['Hello', 'The state of', 'a', 'zzz top', 'Once upon a time'][i % 5],
  max_tokens: 8 + ((i * 7) % 30),
  stream: i % 2 === 0,
  ...(i % 4 === 1 ? { temperature: 0 } : { seed: 100 + i, temperature: 0.7 + (i % 3) * 0.3 }),
  ...(i % 3 === 0 && { top_k: 20 }),
  // Stop rules that some generations meet (random bytes: a few common characters) and others not.
  ...(i % 3 === 2 && { stop: [String.fromCharCode(32 + rng.int(90)), String.fromCharCode(32 + rng.int(90))] }),
}));

let backend: NativeBackend;
let server: RunningServer;
let model: ReturnType<typeof batchedNextTokenModel>;

beforeAll(async () => {
  backend = await NativeBackend.create({ threads: 2 });
  const gpt = new GPT2({ vocabSize: 257, nPositions: 64, nLayer: 2, nEmbd: 64, nHead: 4 }, backend, createRng(4));
  model = batchedNextTokenModel(Gpt2Engine.fromGpt2(gpt), { maxBatch: 8 });
  server = await serve(createTextGenerator({ name: 'tiny', model, tokenizer }), { port: 0, maxQueue: 64 });
});
afterAll(async () => {
  await server.close();
  model.dispose();
  await backend.dispose();
});

/** One completion: its text and finish reason, or what it had when cancelled after `cancelAfter` chunks. */
async function complete(r: Request, cancelAfter?: number): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', ...r }),
    signal: controller.signal,
  });
  if (!r.stream) {
    const body = (await res.json()) as { choices: Array<{ text: string; finish_reason: string }> };
    return `${body.choices[0].text}|${body.choices[0].finish_reason}`;
  }
  let text = '';
  let finish = '';
  let chunks = 0;
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      for (let at = buffered.indexOf('\n\n'); at >= 0; at = buffered.indexOf('\n\n')) {
        const event = buffered.slice(0, at).replace(/^data: /, '');
        buffered = buffered.slice(at + 2);
        if (event === '[DONE]') continue;
        const choice = JSON.parse(event).choices[0];
        text += choice.text;
        finish = choice.finish_reason ?? finish;
        if (cancelAfter !== undefined && ++chunks === cancelAfter) {
          controller.abort();
          return 'cancelled';
        }
      }
    }
  } catch (err) {
    if (cancelAfter !== undefined) return 'cancelled';
    throw err;
  }
  return `${text}|${finish}`;
}

describe('kiln serve: continuous batching', () => {
  it('mixed seeds, stop rules, streams and cancellations at once: each finished request = served alone', async () => {
    const alone: string[] = [];
    for (const r of requests) alone.push(await complete(r));
    // Some stop rules must bite and some generations must run to their length, or the mix tests less.
    expect(alone.some((t) => t.endsWith('|stop'))).toBe(true);
    expect(alone.some((t) => t.endsWith('|length'))).toBe(true);
    const stepsBefore = model.stats.steps;
    const rowsBefore = model.stats.rows;
    const cancelled = requests
      .filter((r) => r.stream && r.max_tokens > 20)
      .map((r) => complete({ ...r, stop: undefined, max_tokens: 60 - r.prompt.length }, 3));
    const together = await Promise.all(requests.map((r) => complete(r)));
    expect(together).toEqual(alone);
    expect(await Promise.all(cancelled)).toEqual(cancelled.map(() => 'cancelled'));
    // Batched: on average more than one sequence per step, up to the cap.
    const steps = model.stats.steps - stepsBefore;
    expect((model.stats.rows - rowsBefore) / steps).toBeGreaterThan(1.5);
    expect(model.stats.widest).toBeLessThanOrEqual(8);
    // Cancelled streams give their rows back (once the server has seen the disconnects).
    for (let i = 0; i < 100 && model.sessions > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(model.sessions).toBe(0);
    expect(await complete(requests[0])).toBe(alone[0]);
  });
});
