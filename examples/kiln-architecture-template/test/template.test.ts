/**
 * The template architecture through every stage, as a user runs it: `kiln run`
 * (data → tokenizer → encode → train → eval → compress → export), then
 * `kiln generate` and `kiln serve` on the trained model; and the engine
 * against the model it was made from, logit for logit.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { createRng, noGrad, ReferenceBackend } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configFromOptions, TemplateEngine, TemplateModel } from '../src/index.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const TEXT = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8').slice(
  0,
  30_000,
);

const CONFIG = `import { defineConfig } from '@kiln/core';
import { byteLevel, shards, textFiles } from '@kiln/data';
import { quantize } from '@kiln/compress';
import { perplexity, samples } from '@kiln/eval';
import { huggingface } from '@kiln/export';
import trainer from '@kiln/trainer';
import template from 'kiln-architecture-template';

export default defineConfig({
  name: 'template',
  seed: 3,
  backend: 'js',
  plugins: [
    textFiles({ include: 'corpus.txt', split: 'paragraph' }), byteLevel(), shards({ valFraction: 0.1 }),
    template(), trainer(),
    perplexity({ name: 'heldout', text: ${JSON.stringify(TEXT.slice(-2000))}, contextLength: 32 }),
    samples({ prompts: ['The'], maxTokens: 8 }),
    quantize({ bits: 8, group: 16 }),
    huggingface(),
  ],
  tokenizer: { type: 'bytes' },
  encode: {},
  model: { architecture: 'kiln-template', vocabSize: 257, context: 32, nLayer: 2, nEmbd: 32, nHead: 4 },
  train: { trainer: 'causal-lm', steps: 40, batchSize: 4, seqLen: 32, lr: 1e-2, evalEvery: 0, evalBatches: 1 },
  eval: {},
  compress: {},
  export: { model: 'train' },
});
`;

let cwd: string;

const kiln = (argv: string[], signal?: AbortSignal, onStdout?: (all: string) => void) =>
  runCaptured(argv, { cwd, signal, onStdout });

beforeAll(() => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'architecture-template-'));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('kiln-architecture-template', () => {
  test('the engine gives the model’s logits, all at once and one token at a time', async () => {
    const be = new ReferenceBackend();
    const config = configFromOptions({ vocabSize: 50, context: 12, nLayer: 2, nEmbd: 16, nHead: 2 });
    const model = new TemplateModel(config, be, createRng(5));
    const ids = Int32Array.from({ length: 10 }, (_, i) => (i * 7 + 3) % 50);
    const want = (await noGrad(() => model.forward(ids, null, { T: 10 })).logits.toArray()) as Float32Array;
    const engine = TemplateEngine.fromModel(model);
    const cache = engine.createCache(1);
    const prefill = await engine.forward(ids.subarray(0, 9), cache, 0);
    const step = await engine.forward(ids.subarray(9), cache, 9);
    const got = new Float32Array(10 * 50);
    got.set((await be.read(prefill, 0, 9 * 50)) as Float32Array);
    got.set((await be.read(step, 0, 50)) as Float32Array, 9 * 50);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
    be.free(prefill);
    be.free(step);
    engine.freeCache(cache);
  });

  test('a typo in model.* fails when the config loads, naming the plugin', async () => {
    const { code, stderr } = await kiln(['run', '--set', 'model.nHeads=4']);
    expect(code).toBe(2);
    expect(stderr).toContain('model.nHeads: unknown field (did you mean "nHead"?) [plugin kiln-architecture-template]');
  });

  test('kiln run trains, evaluates, compresses and exports it; generate and serve use it', async () => {
    const run = await kiln(['run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const runDir = join(cwd, 'runs/template');
    const steps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event?: string; loss?: number })
      .filter((r) => r.event === 'step');
    expect(steps).toHaveLength(40);
    // Bytes start near ln(257) = 5.55 nats and the model learns English letter statistics.
    expect(steps[0].loss).toBeGreaterThan(5);
    expect(steps.at(-1)!.loss).toBeLessThan(3.5);
    const { scores } = JSON.parse(readFileSync(join(runDir, 'eval/results.json'), 'utf8')) as {
      scores: Record<string, number>;
    };
    expect(scores['heldout/ppl']).toBeGreaterThan(1);
    expect(scores['heldout/ppl']).toBeLessThan(40);
    const saved = JSON.parse(readFileSync(join(runDir, 'compress/model/config.json'), 'utf8')) as {
      model_type: string;
      quantization_config: { weights: Record<string, unknown> };
    };
    expect(saved.model_type).toBe('kiln-template');
    expect(Object.keys(saved.quantization_config.weights)).toContain('blocks.1.mlp.fc.weight');
    const exported = JSON.parse(readFileSync(join(runDir, 'export/huggingface/config.json'), 'utf8')) as {
      model_type: string;
      n_layer: number;
    };
    expect(exported).toMatchObject({ model_type: 'kiln-template', n_layer: 2 });

    const generated = await kiln([
      'generate',
      '--model',
      'runs/template/export/huggingface',
      '-n',
      '12',
      '--seed',
      '1',
      'The ',
    ]);
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout.length).toBeGreaterThan(4);

    const stop = new AbortController();
    let resolveUrl: (url: string) => void = () => {};
    const ready = new Promise<string>((r) => (resolveUrl = r));
    const serving = kiln(
      ['serve', '--model', 'runs/template/compress/model', '--port', '0', '--json'],
      stop.signal,
      (all) => {
        const line = all.split('\n').find((l) => l.startsWith('{'));
        if (line) resolveUrl((JSON.parse(line) as { url: string }).url);
      },
    );
    const url = await Promise.race([
      ready,
      serving.then((r) => Promise.reject(new Error(`serve exited: ${r.stderr}`))),
    ]);
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'template', prompt: 'The ', max_tokens: 6, seed: 2 }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBeGreaterThan(0);
    stop.abort();
    expect((await serving).code).toBe(0);
  }, 120_000);
});
