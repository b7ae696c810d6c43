import type { Doc } from '@kiln/core';
import { createRng, type Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { dedupKey, exactDedupCleaner, MinHasher, minhashDedupCleaner } from '../src/index.js';
import { doc, fakeContext, runCleaners } from './helpers.js';
import { ReferenceLsh } from './lsh-reference.js';

// The dedup cleaners against what they did with Maps and arrays of ids, on corpora large
// enough that ids, keys and signatures go through their temporary files.

const WORDS = 'the of and to in a is that for it as was with be by on not he this are or his from at which'.split(' ');
const words = (rng: Rng, n: number) => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]).join(' ');
/** Ids as long as real ones (~50 characters), some repeated on different texts. */
const idOf = (i: number) =>
  i % 97 === 5 ? 'chinese-poetry:shared-id' : `chinese-poetry:${(i * 2654435761) >>> 0}-${i}-aaaaaaaa`;

function referenceExact(docs: Doc[]) {
  const seen = new Map<string, string>();
  const clusters = new Map<string, number>();
  const drops: string[][] = [];
  for (const d of docs) {
    const key = dedupKey(d.text);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, d.id);
    else {
      clusters.set(first, (clusters.get(first) ?? 1) + 1);
      drops.push([d.id, first]);
    }
  }
  const top = [...clusters].sort((a, b) => b[1] - a[1]).slice(0, 20);
  const report = {
    distinct: seen.size,
    clusters: clusters.size,
    largestClusters: top.map(([kept, size]) => ({ kept, size })),
  };
  return { drops, report };
}

function referenceMinhash(docs: Doc[]) {
  const hasher = new MinHasher();
  const index = new ReferenceLsh(16, 8, 0.8, 64);
  const keptIds: string[] = [];
  const clusters = new Map<number, { size: number; examples: string[] }>();
  const drops: string[][] = [];
  for (const d of docs) {
    const match = index.matchOrAdd(hasher.signature(d.text));
    if (!match) {
      keptIds.push(d.id);
      continue;
    }
    const cluster = clusters.get(match.index) ?? { size: 1, examples: [] };
    cluster.size++;
    if (cluster.examples.length < 5) cluster.examples.push(d.id);
    clusters.set(match.index, cluster);
    drops.push([d.id, keptIds[match.index]]);
  }
  const top = [...clusters].sort((a, b) => b[1].size - a[1].size).slice(0, 20);
  return {
    drops,
    indexed: keptIds.length,
    dropped: drops.length,
    clusters: clusters.size,
    largestClusters: top.map(([i, c]) => ({ kept: keptIds[i], size: c.size, duplicates: c.examples })),
  };
}

describe('dedup cleaners keep their drops and reports', () => {
  it('exact dedup: the same drops and report as a Map of first ids, ties and shared ids included', async () => {
    const rng = createRng(11);
    const texts = Array.from({ length: 9000 }, () => words(rng, 8));
    const docs = Array.from({ length: 30_000 }, (_, i) => {
      const text = texts[rng.int(texts.length)];
      return doc(idOf(i), rng.int(4) === 0 ? `  ${text.toUpperCase()} ` : text);
    });
    const ctx = fakeContext();
    const cleaner = exactDedupCleaner();
    const { dropped } = await runCleaners([cleaner], docs, ctx);
    const expected = referenceExact(docs);
    expect(dropped.map((d) => [d.id, d.duplicateOf])).toEqual(expected.drops);
    expect(await cleaner.finish?.(ctx)).toEqual(expected.report);
    expect(expected.report.clusters).toBeGreaterThan(5000);
  });

  it('minhash dedup: the same drops and report as in-memory buckets and an array of kept ids', async () => {
    const rng = createRng(12);
    const families = Array.from({ length: 300 }, () => words(rng, 40));
    const docs = Array.from({ length: 6000 }, (_, i) => {
      const w = families[rng.int(families.length)].split(' ');
      for (let e = rng.int(12); e > 0; e--) w[rng.int(w.length)] = WORDS[rng.int(WORDS.length)];
      return doc(idOf(i), w.join(' '));
    });
    const ctx = fakeContext();
    const cleaner = minhashDedupCleaner();
    const { dropped } = await runCleaners([cleaner], docs, ctx);
    const { drops, ...expected } = referenceMinhash(docs);
    expect(dropped.map((d) => [d.id, d.duplicateOf])).toEqual(drops);
    expect(await cleaner.finish?.(ctx)).toEqual({ permutations: 128, bands: 16, rows: 8, threshold: 0.8, ...expected });
    expect(expected.dropped).toBeGreaterThan(300);
    expect(expected.indexed).toBeGreaterThan(1500);
  });
});
