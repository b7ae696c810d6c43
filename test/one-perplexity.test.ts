// One perplexity: the eval stage and the compress stage's measure score the same f32 model on the same
// held-out file in the same windows, so they report the same number (they differed: 8192-token cap and
// the model's context vs the eval's 128). kiln run's summary gives compress and export sizes and paths.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { saveTokenizer, trainBpe } from '@kiln/tokenizers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const CONFIG = `import gpt2 from '@kiln/gpt2';
import tokenizers from '@kiln/tokenizers';
import { perplexity } from '@kiln/eval';
import { quantize } from '@kiln/compress';
import { huggingface, gguf } from '@kiln/export';
export default {
  name: 'ppl', backend: 'js',
  plugins: [gpt2(), tokenizers(), perplexity({ name: 'heldout', file: 'heldout.txt', contextLength: 16 }),
    quantize({ bits: 8, group: 16, measure: { file: 'heldout.txt', contextLength: 16 } }), huggingface(), gguf({ type: 'q8_0' })],
  stages: ['eval', 'compress', 'export'],
  eval: { model: 'model' }, compress: { model: 'model' }, export: { model: 'model' },
};
`;
let cwd: string;

const kiln = (argv: string[]) => runCaptured(argv, { cwd });

beforeAll(async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'one-ppl-'));
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
  const text = 'The committee met on Tuesday and agreed to publish the report next spring. '.repeat(12);
  writeFileSync(join(cwd, 'heldout.txt'), text);
  const tok = await trainBpe([text], { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
  await saveTokenizer(tok, join(cwd, 'runs/ppl/tokenizer'));
  const model = new GPT2(
    { vocabSize: 300, nPositions: 32, nLayer: 1, nEmbd: 32, nHead: 2 },
    new ReferenceBackend(),
    createRng(2),
  );
  await model.save(join(cwd, 'model'));
  model.dispose();
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('one perplexity, and the summary rows of compress and export', () => {
  test('eval heldout/ppl = compress pplBefore (same windows); the summary names sizes and paths', async () => {
    const r = await kiln(['run']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(cwd, 'runs/ppl/eval/results.json'), 'utf8'));
    const report = JSON.parse(readFileSync(join(cwd, 'runs/ppl/compress/report.json'), 'utf8'));
    expect(report.entries[0].pplBefore).toBe(results.scores['heldout/ppl']);
    expect(report.entries[0].pplOn).toMatch(/^heldout\.txt: \d+ tokens, windows of 16$/);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.trim().startsWith('compress'))).toMatch(/bytes=[\d.]+ kB → compress\/model$/);
    expect(lines.find((l) => l.trim().startsWith('export'))).toMatch(
      /huggingface\/bytes=[\d.]+ kB gguf\/bytes=[\d.]+ kB → export\/huggingface, export\/gguf$/,
    );
  }, 120_000);
});
