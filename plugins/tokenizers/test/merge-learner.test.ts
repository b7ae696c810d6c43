import { describe, expect, it } from 'vitest';
import { learnMerges } from '../src/merge-learner.js';
import { rng } from './helpers.js';

/** The textbook trainer: recount every pair after every merge. */
function naive(
  words: number[][],
  counts: number[],
  maxMerges: number,
  minFrequency: number,
  firstId: number,
): number[] {
  const ws = words.map((w) => [...w]);
  const out: number[] = [];
  for (let k = 0; k < maxMerges; k++) {
    const pc = new Map<string, number>();
    ws.forEach((w, i) => {
      for (let j = 0; j + 1 < w.length; j++) {
        const key = `${w[j]},${w[j + 1]}`;
        pc.set(key, (pc.get(key) ?? 0) + counts[i]);
      }
    });
    let best: [number, number] | undefined;
    let bestC = 0;
    for (const [key, c] of pc) {
      const [a, b] = key.split(',').map(Number);
      if (c > bestC || (c === bestC && best && (a < best[0] || (a === best[0] && b < best[1]))))
        [best, bestC] = [[a, b], c];
    }
    if (!best || bestC < minFrequency) break;
    const c = firstId + k;
    out.push(best[0], best[1]);
    for (const w of ws) {
      for (let j = 0; j + 1 < w.length; j++) if (w[j] === best[0] && w[j + 1] === best[1]) w.splice(j, 2, c);
    }
  }
  return out;
}

describe('learnMerges', () => {
  it('learns exactly the merges of the textbook algorithm (random corpora, repeats and overlaps)', () => {
    const next = rng(7);
    for (let trial = 0; trial < 40; trial++) {
      const alphabet = 2 + Math.floor(next() * 5);
      const words: number[][] = [];
      const counts: number[] = [];
      for (let w = 0; w < 1 + Math.floor(next() * 30); w++) {
        words.push(Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * alphabet)));
        counts.push(1 + Math.floor(next() * 5));
      }
      const flat = words.flat();
      const starts = [0];
      for (const w of words) starts.push(starts[starts.length - 1] + w.length);
      const minFrequency = 1 + Math.floor(next() * 3);
      const got = learnMerges(
        { symbols: Int32Array.from(flat), starts: Int32Array.from(starts), counts: Int32Array.from(counts) },
        { maxMerges: 25, minFrequency, firstId: 100 },
      );
      expect(Array.from(got)).toEqual(naive(words, counts, 25, minFrequency, 100));
    }
  });

  it('stops at maxMerges and at minFrequency', () => {
    const words = {
      symbols: Int32Array.of(0, 1, 0, 1, 2, 3),
      starts: Int32Array.of(0, 2, 4, 6),
      counts: Int32Array.of(3, 2, 1),
    };
    expect(
      Array.from(
        learnMerges({ ...words, symbols: words.symbols.slice() }, { maxMerges: 1, minFrequency: 1, firstId: 10 }),
      ),
    ).toEqual([0, 1]);
    expect(
      Array.from(
        learnMerges({ ...words, symbols: words.symbols.slice() }, { maxMerges: 9, minFrequency: 2, firstId: 10 }),
      ),
    ).toEqual([0, 1]);
    expect(
      Array.from(
        learnMerges({ ...words, symbols: words.symbols.slice() }, { maxMerges: 9, minFrequency: 1, firstId: 10 }),
      ),
    ).toEqual([0, 1, 2, 3]);
  });
});
