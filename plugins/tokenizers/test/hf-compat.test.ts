import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import type { BpeTokenizer } from '../src/bpe-tokenizer.js';
import { trainBpe } from '../src/bpe-trainer.js';
import { fromHfJson } from '../src/hf-import.js';
import { split } from './helpers.js';

// The official native package (Rust, N-API); CommonJS.
const native = createRequire(import.meta.url)('tokenizers') as typeof import('tokenizers');

const en = split('english.txt');
const zh = split('chinese.txt');
const heldOut = [
  ...en.heldOut.slice(0, 40),
  ...zh.heldOut.slice(0, 150),
  'Numbers 12345 and 3.14, emoji 😀, mixed 中文English混排.',
];
const dir = mkdtempSync(join(tmpdir(), 'kiln-tok-'));

function hfJs(json: unknown): HfJsTokenizer {
  return new HfJsTokenizer(json as object, {});
}

async function nativeIds(file: string, texts: string[]): Promise<number[][]> {
  const tok = native.Tokenizer.fromFile(file);
  const out: number[][] = [];
  for (const t of texts) out.push((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
  return out;
}

describe('Hugging Face tokenizer.json', () => {
  for (const pattern of ['gpt2', 'cjk'] as const) {
    it(`a Kiln-trained tokenizer ('${pattern}' pattern) gives the same ids in @huggingface/tokenizers and in the native tokenizers`, async () => {
      const tok = await trainBpe([...en.train, ...zh.train], {
        vocabSize: 3000,
        pattern,
        specialTokens: ['<|endoftext|>'],
      });
      const json = tok.toJSON();
      const file = join(dir, `kiln-${pattern}.json`);
      writeFileSync(file, JSON.stringify(json));
      const js = hfJs(json);
      const nat = await nativeIds(file, heldOut);
      heldOut.forEach((t, i) => {
        const ids = tok.encode(t);
        expect(js.encode(t, { add_special_tokens: false }).ids).toEqual(ids);
        expect(nat[i]).toEqual(ids);
      });
      expect(js.decode(tok.encode(heldOut[0]))).toBe(heldOut[0]);
    });
  }

  it('a tokenizer.json written by the native trainer loads in Kiln with identical ids', async () => {
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, [...en.train.slice(0, 200), ...zh.train.slice(0, 1000)].join('\n'));
    const tok = new native.Tokenizer(native.BPE.empty());
    tok.setPreTokenizer(native.byteLevelPreTokenizer(false, true));
    tok.train([corpus]);
    const file = join(dir, 'native.json');
    tok.save(file);
    const kiln = fromHfJson(JSON.parse((await import('node:fs')).readFileSync(file, 'utf8')), file) as BpeTokenizer;
    expect(kiln.vocabSize).toBe(tok.getVocabSize());
    const nat = await nativeIds(file, heldOut);
    heldOut.forEach((t, i) => expect(kiln.encode(t)).toEqual(nat[i]));
  });

  it('refuses what it cannot encode identically, naming the field', () => {
    expect(() => fromHfJson({ model: { type: 'Unigram' } }, 'x.json')).toThrow(/x\.json: model\.type "Unigram"/);
    expect(() =>
      fromHfJson({ model: { type: 'BPE', vocab: {}, merges: [] }, pre_tokenizer: { type: 'Metaspace' } }, 'x.json'),
    ).toThrow(/pre_tokenizer.*Metaspace/);
    expect(() =>
      fromHfJson(
        { model: { type: 'BPE', vocab: { a: 0 }, merges: [['a', 'b']] }, pre_tokenizer: { type: 'ByteLevel' } },
        'x.json',
      ),
    ).toThrow(/merges\[0\]/);
  });
});
