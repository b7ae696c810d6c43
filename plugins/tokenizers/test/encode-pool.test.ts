import { describe, expect, it } from 'vitest';
import { trainBpe } from '../src/bpe-trainer.js';
import { EncodePool } from '../src/encode-pool.js';
import { trainWordPiece } from '../src/wordpiece.js';
import { split } from './helpers.js';

const en = split('english.txt');
const zh = split('chinese.txt');
const texts = [...en.heldOut, ...zh.heldOut];

describe('EncodePool', () => {
  it('encodes a batch across worker threads with the same ids, in order', async () => {
    const tok = await trainBpe([...en.train, ...zh.train], { vocabSize: 1500 });
    const pool = new EncodePool(tok, { threads: 2 });
    try {
      const out = await pool.encodeBatch([...texts, 'a<|endoftext|>b'], { allowSpecial: true });
      expect(out.length).toBe(texts.length + 1);
      texts.forEach((t, i) => expect(Array.from(out[i])).toEqual(tok.encode(t)));
      expect(Array.from(out[texts.length])).toEqual(tok.encode('a<|endoftext|>b', { allowSpecial: true }));
      expect(await pool.encodeBatch([])).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('works for WordPiece too', async () => {
    const tok = await trainWordPiece(en.train.slice(0, 50), { vocabSize: 800 });
    const pool = new EncodePool(tok, { threads: 1 });
    try {
      const out = await pool.encodeBatch(en.heldOut.slice(0, 5));
      en.heldOut.slice(0, 5).forEach((t, i) => expect(Array.from(out[i])).toEqual(tok.encode(t)));
    } finally {
      await pool.close();
    }
  });
});

describe('workerSpec', () => {
  it('rebuilds the same tokenizer from its module, export and argument', async () => {
    const tok = await trainBpe(en.train.slice(0, 30), { vocabSize: 500 });
    const spec = tok.workerSpec;
    const mod = (await import(spec.module)) as Record<string, (arg: unknown) => { hash(): string }>;
    expect(mod[spec.exportName](structuredClone(spec.arg)).hash()).toBe(tok.hash());
  });
});
