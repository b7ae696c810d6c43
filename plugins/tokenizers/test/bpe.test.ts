import { describe, expect, it } from 'vitest';
import type { BpeTokenizer } from '../src/bpe-tokenizer.js';
import { trainBpe } from '../src/bpe-trainer.js';
import { fromHfJson } from '../src/hf-import.js';
import { randomText, rng, split } from './helpers.js';

const en = split('english.txt');
const zh = split('chinese.txt');

describe('byte-level BPE training', async () => {
  const tok = await trainBpe([...en.train, ...zh.train], {
    vocabSize: 2000,
    minFrequency: 2,
    specialTokens: ['<|endoftext|>', '<|pad|>'],
  });

  it('has the requested size: special tokens first, then the 256 bytes, then merges', () => {
    expect(tok.vocabSize).toBeLessThanOrEqual(2000);
    expect(tok.vocabSize).toBeGreaterThan(1990);
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 0, '<|pad|>': 1 });
    expect(tok.eosId).toBe(0);
    expect(tok.idToToken(2)).toBe('!'); // GPT-2's byte order
    // No two ids spell the same bytes.
    const seen = new Set<string>();
    for (let id = 2; id < tok.vocabSize; id++) seen.add(tok.idToToken(id)!);
    expect(seen.size).toBe(tok.vocabSize - 2);
  });

  it('compresses held-out text and never merges across Chinese characters', () => {
    const text = en.heldOut.join('\n');
    expect(Buffer.byteLength(text) / tok.encode(text).length).toBeGreaterThan(2.3);
    for (let id = 2; id < tok.vocabSize; id++)
      expect([...tok.decode([id])].filter((c) => /\p{Script=Han}/u.test(c)).length).toBeLessThanOrEqual(1);
    const chinese = zh.heldOut.join('\n');
    const hanChars = [...chinese].filter((c) => /\p{Script=Han}/u.test(c)).length;
    expect(tok.encode(chinese).length / hanChars).toBeLessThan(1.6);
  });

  it('round-trips any text exactly; lone surrogates become U+FFFD as in Hugging Face', () => {
    const next = rng(3);
    for (let i = 0; i < 200; i++) {
      const s = randomText(next, 1 + Math.floor(next() * 80));
      expect(tok.decode(tok.encode(s))).toBe(s.toWellFormed());
    }
    for (const s of [...en.heldOut.slice(0, 5), ...zh.heldOut.slice(0, 5), '', ' ', '\n\n', '😀👍🏽 x'])
      expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('gives offsets that cover each token’s characters', () => {
    const s = 'Hello 世界! 12 naïve 😀';
    const { ids, offsets } = tok.encodeWithOffsets(s);
    expect(offsets.length).toBe(ids.length);
    expect(offsets[0][0]).toBe(0);
    expect(offsets[offsets.length - 1][1]).toBe(s.length);
    ids.forEach((id, i) => {
      const piece = tok.decode([id]);
      // A token made of whole characters maps to exactly those characters.
      if (!piece.includes('\ufffd')) expect(s.slice(...offsets[i])).toBe(piece);
      if (i > 0) expect(offsets[i][0]).toBeGreaterThanOrEqual(offsets[i - 1][0]);
    });
  });

  it('reads special tokens only when allowed', () => {
    const s = 'a<|endoftext|>b';
    expect(tok.encode(s, { allowSpecial: true })).toContain(0);
    expect(tok.encode(s)).not.toContain(0);
    expect(tok.decode(tok.encode(s, { allowSpecial: true }))).toBe(s);
  });

  it('is deterministic and round-trips through tokenizer.json', async () => {
    const again = await trainBpe([...en.train, ...zh.train], {
      vocabSize: 2000,
      minFrequency: 2,
      specialTokens: ['<|endoftext|>', '<|pad|>'],
    });
    expect(again.hash()).toBe(tok.hash());
    const loaded = fromHfJson(JSON.parse(JSON.stringify(tok.toJSON()))) as BpeTokenizer;
    expect(loaded.hash()).toBe(tok.hash());
    const text = [...en.heldOut, ...zh.heldOut].join('\n');
    expect(loaded.encode(text)).toEqual(tok.encode(text));
  });

  it('honours minFrequency and the vocabulary size limits', async () => {
    const small = await trainBpe(['aaa bbb aaa'], { vocabSize: 1000, minFrequency: 2, specialTokens: [] });
    expect(small.vocabSize).toBeLessThan(300);
    await expect(trainBpe(['x'], { vocabSize: 100 })).rejects.toThrow(/smaller than/);
    await expect(trainBpe(['x'], { specialTokens: ['a', 'a'] })).rejects.toThrow(/listed twice/);
  });

  it('bounds memory on text without spaces by chunking long pieces', async () => {
    const long = '的'.repeat(5000);
    const t = await trainBpe([long], { vocabSize: 400, pattern: 'gpt2', maxWordChars: 16, specialTokens: [] });
    expect(t.decode(t.encode(long))).toBe(long);
    expect(t.encode(long).length).toBeLessThan(5000 / 8);
  });
});
