import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions, type Doc, type KilnContext, type TokenizerProvider } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from '../src/bpe-tokenizer.js';
import tokenizers from '../src/index.js';
import { saveTokenizer } from '../src/load.js';
import { WordPieceTokenizer } from '../src/wordpiece.js';
import { split } from './helpers.js';

/** Just enough of a KilnContext for the tokenizer providers. */
function fakeContext(root: string): KilnContext & { logs: string[] } {
  const logs: string[] = [];
  const log = (m: string) => void logs.push(m);
  return {
    logs,
    config: { root } as KilnContext['config'],
    logger: { debug: log, info: log, warn: log, error: log },
    signal: new AbortController().signal,
    progress: () => ({ update() {}, increment() {}, stop() {} }),
  } as unknown as KilnContext & { logs: string[] };
}

async function* docs(texts: string[]): AsyncIterable<Doc> {
  for (const [i, text] of texts.entries()) yield { id: `t:${i}`, text, origin: { source: 'test' } };
}

const providers = tokenizers().tokenizer as TokenizerProvider[];
const provider = (name: string) => providers.find((p) => p.name === name)!;
const en = split('english.txt');
const zh = split('chinese.txt');

describe('the kiln:tokenizers plugin', () => {
  it("provides 'bpe' and 'wordpiece'", () => {
    expect(providers.map((p) => p.name)).toEqual(['bpe', 'wordpiece']);
  });

  it('trains BPE from documents, saves tokenizer.json, and loads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-plugin-'));
    const ctx = fakeContext(dir);
    const tok = await provider('bpe').train(docs(en.train.slice(0, 20)), { vocabSize: 600, pattern: 'gpt2' }, ctx);
    expect(tok).toBeInstanceOf(BpeTokenizer);
    expect(tok.vocabSize).toBe(600);
    expect(ctx.logs.some((l) => l.includes('trained BPE'))).toBe(true);
    await saveTokenizer(tok, dir);
    const loaded = await provider('bpe').load(dir, ctx);
    expect(loaded?.hash()).toBe(tok.hash());
    expect(await provider('wordpiece').load(dir, ctx)).toBeUndefined();
    expect(await provider('bpe').load(join(dir, 'missing'), ctx)).toBeUndefined();
  });

  it('extends a saved tokenizer named by `extend`, relative to the config root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-plugin-'));
    const ctx = fakeContext(dir);
    const base = await provider('bpe').train(docs(en.train), { vocabSize: 800 }, ctx);
    await saveTokenizer(base, join(dir, 'base'));
    const ext = await provider('bpe').train(docs(zh.train.slice(0, 500)), { extend: 'base', newTokens: 200 }, ctx);
    expect(ext.vocabSize).toBe(1000);
    await expect(provider('bpe').train(docs([]), { extend: 'nowhere' }, ctx)).rejects.toThrow(
      /no byte-level BPE tokenizer found/,
    );
  });

  it('trains WordPiece', async () => {
    const tok = await provider('wordpiece').train(
      docs(en.train.slice(0, 20)),
      { vocabSize: 500 },
      fakeContext(tmpdir()),
    );
    expect(tok).toBeInstanceOf(WordPieceTokenizer);
  });

  it('validates options with a did-you-mean', () => {
    const schema = provider('bpe').options!;
    const where = { plugin: 'kiln:tokenizers', section: 'tokenizer' };
    expect(() => checkOptions(schema, { vocabSize: 10.5, vocab_size: 3 }, where)).toThrow(
      'kiln:tokenizers: tokenizer.vocabSize: Invalid input: expected int, received number; tokenizer.vocab_size: unknown field (did you mean "vocabSize"?)',
    );
    expect(checkOptions(schema, { vocabSize: 100 }, where)).toEqual({ vocabSize: 100 });
  });
});
