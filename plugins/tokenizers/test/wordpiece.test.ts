import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { fromHfJson } from '../src/hf-import.js';
import { trainWordPiece, WordPieceTokenizer } from '../src/wordpiece.js';
import { split } from './helpers.js';

const native = createRequire(import.meta.url)('tokenizers') as typeof import('tokenizers');
const en = split('english.txt');
const zh = split('chinese.txt');

describe('WordPiece', async () => {
  const tok = await trainWordPiece([...en.train, ...zh.train], { vocabSize: 4000, limitAlphabet: 3000 });
  const heldOut = [...en.heldOut.slice(0, 30), ...zh.heldOut.slice(0, 60), 'Héllo, WORLD! 北京 ok?'];

  it('has BERT special tokens first, ## continuations, and one piece per CJK character', () => {
    expect(tok.vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tok.vocabSize).toBeLessThanOrEqual(4000);
    expect(tok.vocab.some((t) => t.startsWith('##'))).toBe(true);
    const ids = tok.encode('秦川雄帝宅');
    expect(ids.length).toBe(5);
    expect(tok.decode(ids)).toBe('秦 川 雄 帝 宅');
    expect(tok.encode('Héllo')).toEqual(tok.encode('hello')); // lowercase + strip accents, as BERT uncased
    expect(tok.encode('\u{1F600}')).toEqual([tok.unkId]);
  });

  it('loads in @huggingface/tokenizers and the native tokenizers with the same ids', async () => {
    const json = tok.toJSON();
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-wp-')), 'tokenizer.json');
    writeFileSync(file, JSON.stringify(json));
    const js = new HfJsTokenizer(json as object, {});
    const nat = native.Tokenizer.fromFile(file);
    for (const t of heldOut) {
      const ids = tok.encode(t);
      expect(js.encode(t, { add_special_tokens: false }).ids).toEqual(ids);
      expect((await nat.encode(t, null, { addSpecialTokens: false })).getIds()).toEqual(ids);
    }
  });

  it('round-trips through tokenizer.json and reads special tokens when allowed', () => {
    const loaded = fromHfJson(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(loaded).toBeInstanceOf(WordPieceTokenizer);
    for (const t of heldOut) expect(loaded.encode(t)).toEqual(tok.encode(t));
    expect(tok.encode('a [SEP] b', { allowSpecial: true })).toContain(3);
    expect(tok.encode('a [SEP] b')).not.toContain(3);
  });
});
