/**
 * `kiln generate` and `kiln serve` say which model they load: the run's latest model is the compress
 * stage's int8 one when there is one, while the exports come from the f32 model, so a sample that
 * differs from llama.cpp's should not be a puzzle.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { quantize } from '@kiln/compress';
import { createKiln, createMemoryLogger } from '@kiln/core';
import gpt2, { GPT2, type Gpt2Engine } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const CONFIG = `import gpt2 from '@kiln/gpt2';
const bytes = {
  type: 'test-bytes', vocabSize: 257, specialTokens: { '<|endoftext|>': 256 }, eosId: 256,
  encode: (t) => [...Buffer.from(t, 'utf8')],
  decode: (ids) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8'),
  hash: () => 'test-bytes', toJSON: () => ({ model: { type: 'test-bytes' } }),
};
const tokenizer = { name: 'test-bytes', async train() { return bytes; }, async load() { return bytes; } };
export default { name: 'gen', backend: 'js', plugins: [gpt2(), { name: 'test-bytes', tokenizer }] };
`;

let cwd: string;
beforeAll(async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'generate-model-'));
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
  const runDir = join(cwd, 'runs/gen');
  mkdirSync(join(runDir, 'tokenizer'), { recursive: true });
  const model = new GPT2(
    { vocabSize: 257, nPositions: 16, nLayer: 1, nEmbd: 32, nHead: 2 },
    new ReferenceBackend(),
    createRng(1),
  );
  await model.save(join(runDir, 'train/model'));
  // The compress stage's output: the same model with int8 weights, named by state.json as the latest.
  const kiln = await createKiln({ cwd, runDir, logger: createMemoryLogger(), config: { plugins: [gpt2()] } });
  const int8 = (await quantize({ bits: 8, group: 32 }).compressor!.compress(model, kiln.context())) as Gpt2Engine;
  await int8.save(join(runDir, 'compress/model'));
  await kiln.close();
  writeFileSync(
    join(runDir, 'state.json'),
    JSON.stringify({ format: 'kiln-run-state', version: 1, writer: 'test', stages: {}, modelDir: 'compress/model' }),
  );
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const kiln = (argv: string[]) => runCaptured(argv, { cwd });

describe('kiln generate names its model', () => {
  test("the run's latest (int8) model by default, and the one --model names", async () => {
    const latest = await kiln(['generate', '-n', '2', '--seed', '1', 'Hi']);
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stderr).toMatch(
      /generating from runs\/gen\/compress\/model \(int8 weights; the run's latest model in state\.json, --model picks another\)/,
    );
    const named = await kiln(['generate', '--model', 'runs/gen/train/model', '-n', '2', '--seed', '1', 'Hi']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toMatch(/generating from runs\/gen\/train\/model \(f32 weights; --model\)/);
    const json = await kiln(['generate', '-n', '2', '--seed', '1', '--json', 'Hi']);
    expect(JSON.parse(json.stdout)).toMatchObject({ model: 'runs/gen/compress/model' });
  });
});
