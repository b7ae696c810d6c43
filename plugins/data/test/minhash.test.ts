import type { Doc } from '@kiln/core';
import { createRng, type Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { exactJaccard, LshIndex, MinHasher, minhashDedupCleaner } from '../src/index.js';
import { doc, fixture, runCleaners } from './helpers.js';

const THRESHOLD = 0.8;

/** A lightly edited copy: a few words (or CJK characters) replaced, deleted or inserted. */
function plantEdit(text: string, rng: Rng, cjk: boolean): string {
  if (cjk) {
    const chars = [...text];
    const i = 5 + rng.int(chars.length - 10);
    chars[i] = '风';
    return chars.join('');
  }
  const words = text.split(' ');
  const edits = Math.max(1, Math.round(words.length * 0.01));
  for (let e = 0; e < edits; e++) {
    const i = rng.int(words.length);
    const kind = rng.int(3);
    if (kind === 0) words[i] = 'remarkably';
    else if (kind === 1) words.splice(i, 1);
    else words.splice(i, 0, 'indeed');
  }
  return words.join(' ');
}

describe('MinHash + LSH near-duplicate removal', () => {
  const english = fixture('sotu-excerpts.jsonl');
  const chinese = fixture('tang-poems.jsonl');

  it('signatures estimate Jaccard similarity', () => {
    const h = new MinHasher({ permutations: 256 });
    const a = english[0].text;
    const b = plantEdit(a, createRng(3), false);
    const exact = exactJaccard(h.shingleHashes(a).slice(), h.shingleHashes(b).slice());
    const sa = h.signature(a);
    const sb = h.signature(b);
    let same = 0;
    for (let i = 0; i < sa.length; i++) if (sa[i] === sb[i]) same++;
    expect(Math.abs(same / 256 - exact)).toBeLessThan(0.1);
  });

  it('uses character shingles for CJK and word shingles otherwise', () => {
    const h = new MinHasher({ wordNgram: 5, charNgram: 5 });
    expect(h.shingleHashes('one two three four five six seven').length).toBe(3);
    expect(h.shingleHashes('床前明月光，疑是地上霜。').length).toBe(6); // 10 Han characters, punctuation skipped
  });

  it(`finds ≥95% of planted near-duplicates at threshold ${THRESHOLD} and removes none of the distinct documents`, async () => {
    const rng = createRng(42);
    const originals: Doc[] = [...english, ...chinese];
    const hasher = new MinHasher();
    const planted: Array<{ copy: Doc; of: string; jaccard: number }> = [];
    for (let i = 0; i < originals.length; i += 2) {
      const o = originals[i];
      const text = plantEdit(o.text, rng, o.id.startsWith('tang:'));
      const jaccard = exactJaccard(hasher.shingleHashes(o.text).slice(), hasher.shingleHashes(text).slice());
      planted.push({ copy: doc(`${o.id}#copy`, text), of: o.id, jaccard });
    }
    // The planted copies really are above the threshold (else the test would measure the edit, not the dedup).
    expect(Math.min(...planted.map((p) => p.jaccard))).toBeGreaterThanOrEqual(THRESHOLD);

    const cleaner = minhashDedupCleaner({ threshold: THRESHOLD });
    const { kept, dropped } = await runCleaners([cleaner], [...originals, ...planted.map((p) => p.copy)]);
    const droppedOriginals = dropped.filter((d) => !d.id.endsWith('#copy'));
    expect(droppedOriginals).toEqual([]);
    expect(kept.length).toBe(originals.length + planted.length - dropped.length);

    const found = planted.filter((p) => dropped.some((d) => d.id === p.copy.id && d.duplicateOf === p.of));
    const recall = found.length / planted.length;
    expect(recall).toBeGreaterThanOrEqual(0.95);
    const report = (await cleaner.finish!(undefined as never)) as { dropped: number; clusters: number };
    expect(report.dropped).toBe(dropped.length);
  });

  it('the LSH S-curve matches 1 - (1 - s^r)^b', () => {
    const index = new LshIndex({ permutations: 128, bands: 16, threshold: 0.8 });
    expect(index.rows).toBe(8);
    expect(index.candidateProbability(0.9)).toBeGreaterThan(0.99);
    expect(index.candidateProbability(0.3)).toBeLessThan(0.01);
  });

  it('rejects bands that do not divide the permutations', () => {
    expect(() => minhashDedupCleaner({ permutations: 100, bands: 16 })).toThrow(/must divide/);
  });
});

describe('U32MultiMap', () => {
  it('keeps every value under its key through rehashing, newest first', async () => {
    const { U32MultiMap } = await import('../src/cleaners/u32-multimap.js');
    const m = new U32MultiMap(4);
    for (let i = 0; i < 50_000; i++) m.add((i % 7919) * 2654435761, i);
    const under = (key: number) => {
      const out: number[] = [];
      m.forEach(key, (v) => void out.push(v));
      return out;
    };
    expect(under(5 * 2654435761)).toEqual(
      Array.from({ length: 7 }, (_, j) => 5 + 7919 * (6 - j)).filter((v) => v < 50_000),
    );
    expect(under(123456)).toEqual([]);
    expect(m.size).toBe(50_000);
  });
});
