/** kiln eval / generate / serve / report on a real (tiny, untrained) GPT-2 saved in a run. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uncachedNextTokenModel } from '@kiln/generate';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator } from '@kiln/sampling';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCaptured } from '../src/index.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CONFIG = `import gpt2 from '@kiln/gpt2';
import { perplexity, samples } from '@kiln/eval';
import report from '@kiln/report'; // adds \`kiln report\`

// Bytes as tokens, 256 = end of text.
const bytes = {
  type: 'test-bytes', vocabSize: 257, specialTokens: { '<|endoftext|>': 256 }, eosId: 256,
  encode: (t) => [...Buffer.from(t, 'utf8')],
  decode: (ids) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8'),
  hash: () => 'test-bytes', toJSON: () => ({ model: { type: 'test-bytes' } }),
};
const tokenizer = { name: 'test-bytes', async train() { return bytes; }, async load() { return bytes; } };

export default {
  name: 'tiny',
  backend: 'js',
  plugins: [gpt2(), { name: 'test-bytes', tokenizer }, perplexity({ text: 'Hello, world. Hello again.' }), samples({ prompts: ['Once'], maxTokens: 6 }), report()],
  eval: { model: 'model' },
};
`;

let cwd: string;
const decode = (ids: ArrayLike<number>) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8');

const kiln = (
  argv: string[],
  signal?: AbortSignal,
  onStdout?: (all: string) => void,
  env: Record<string, string | undefined> = {},
) => runCaptured(argv, { cwd, env, signal, onStdout });

beforeAll(async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'model-commands-'));
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
  await new GPT2(
    { vocabSize: 257, nPositions: 32, nLayer: 2, nEmbd: 32, nHead: 4 },
    new ReferenceBackend(),
    createRng(11),
  ).save(join(cwd, 'model'));
  mkdirSync(join(cwd, 'runs/tiny/tokenizer'), { recursive: true });
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('model commands', () => {
  test('kiln generate streams the same text as the uncached reference path, seeded', async () => {
    const a = await kiln(['generate', '--model', 'model', '-n', '12', '--seed', '5', '-t', '0.9', 'Hi']);
    expect(a.code, a.stderr).toBe(0);
    const model = await GPT2.load(join(cwd, 'model'), new ReferenceBackend());
    const gen = createTextGenerator({
      name: 'ref',
      model: uncachedNextTokenModel(Gpt2Engine.fromGpt2(model)),
      tokenizer: { eosId: 256, encode: (t) => [...Buffer.from(t)], decode },
    });
    let want = '';
    for await (const c of gen.generate('Hi', { maxTokens: 12, seed: 5, temperature: 0.9 })) want += c.text;
    expect(a.stdout).toBe(`${want}\n`);
    const json = await kiln(['generate', '--model', 'model', '-n', '12', '--seed', '5', '-t', '0.9', '--json', 'Hi']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, text: want });
    const bad = await kiln(['generate', '--model', 'model', '--top-p', '2', 'Hi']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/sampling option 'topP' must be in \(0, 1\], got 2/);
  });

  test('kiln eval writes results and samples, and kiln report shows them', async () => {
    const ev = await kiln(['eval', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(cwd, 'runs/tiny/eval/results.json'), 'utf8'));
    expect(results.scores['heldout/ppl']).toBeGreaterThan(1);
    expect(results.scores['heldout/bpb']).toBeGreaterThan(0);
    const samples = JSON.parse(readFileSync(join(cwd, 'runs/tiny/eval/samples.json'), 'utf8'));
    expect(samples.samples[0].prompt).toBe('Once');
    const report = await kiln(['report']);
    expect(report.code, report.stderr).toBe(0);
    const html = readFileSync(join(cwd, 'runs/tiny/report.html'), 'utf8');
    expect(html).toContain('heldout/ppl');
    expect(html).toContain('Once');
  });

  test('kiln serve answers /v1/completions on localhost, rejects bad requests with 4xx JSON, stops on abort', async () => {
    const stop = new AbortController();
    let resolveUrl: (url: string) => void;
    const ready = new Promise<string>((r) => (resolveUrl = r));
    const running = kiln(['serve', '--model', 'model', '--port', '0', '--json'], stop.signal, (all) => {
      const line = all.split('\n').find((l) => l.startsWith('{'));
      if (line) resolveUrl(JSON.parse(line).url);
    });
    const url = await Promise.race([
      ready,
      running.then((r) => Promise.reject(new Error(`serve exited: ${r.stderr}`))),
    ]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', prompt: 'Hi', max_tokens: 5, seed: 1 }),
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { choices: Array<{ text: string }>; usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    // The OpenAI client library, plain and streaming: the same seeded text both ways.
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const chat = await client.completions.create({
      model: 'tiny',
      prompt: 'Hi',
      max_tokens: 6,
      seed: 4,
      temperature: 0.7,
    });
    let streamed = '';
    for await (const part of await client.completions.create({
      model: 'tiny',
      prompt: 'Hi',
      max_tokens: 6,
      seed: 4,
      temperature: 0.7,
      stream: true,
    }))
      streamed += part.choices[0]?.text ?? '';
    expect(streamed).toBe(chat.choices[0].text);
    await expect(
      client.completions.create({ model: 'tiny', prompt: 'Hi', max_tokens: 6, top_p: 7 }),
    ).rejects.toMatchObject({ status: 400 });
    const bad = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Hi', max_tokens: -3 }),
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBeTruthy();
    stop.abort();
    expect((await running).code).toBe(0);
  });

  test('kiln serve checks its options before loading the model, and refuses an empty key', async () => {
    // The model directory does not exist: each bad option must be reported first, by its flag.
    const bad: Array<[string[], RegExp, Record<string, string>?]> = [
      [['--concurrency', '0'], /--concurrency must be an integer >= 1, got 0/],
      [['--max-queue', '-1'], /--max-queue must be an integer >= 0, got -1/],
      [['--timeout', '0'], /--timeout must be a positive number of milliseconds, got 0/],
      [['--port', '70000'], /--port must be an integer from 0 to 65535, got 70000/],
      [['--host', ''], /--host must name an interface/],
      [['--api-key', ''], /--api-key is empty/],
      [[], /KILN_API_KEY is set but empty/, { KILN_API_KEY: '' }],
    ];
    for (const [flags, message, env] of bad) {
      const r = await kiln(['serve', '--model', 'no-such-model', ...flags], undefined, undefined, env);
      expect(r.code, flags.join(' ')).not.toBe(0);
      expect(r.stderr, flags.join(' ')).toMatch(message);
      expect(r.stderr, flags.join(' ')).not.toMatch(/no-such-model/);
    }
  });

  test('kiln serve --api-key warns that the key shows in ps; KILN_API_KEY does not', async () => {
    const run = async (flags: string[], env: Record<string, string>) => {
      const stop = new AbortController();
      const r = await kiln(
        ['serve', '--model', 'model', '--port', '0', '--json', ...flags],
        stop.signal,
        (all) => {
          if (all.includes('"url"')) stop.abort();
        },
        env,
      );
      expect(r.code, r.stderr).toBe(0);
      return r.stderr;
    };
    expect(await run(['--api-key', 'sekret'], {})).toMatch(
      /--api-key is visible to other users in ps; set KILN_API_KEY instead/,
    );
    expect(await run([], { KILN_API_KEY: 'sekret' })).not.toMatch(/visible/);
  });
});
