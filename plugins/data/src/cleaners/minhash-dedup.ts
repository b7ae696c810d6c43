import { CLEAN_STAGE, type CleanerHook, type KilnContext } from '@kiln/core';
import { MinHasher, type MinHashOptions } from './minhash.js';
import { LshIndex } from './lsh.js';

export interface MinhashDedupOptions extends MinHashOptions {
  /** LSH bands (default 16; must divide permutations). */
  bands?: number;
  /** Estimated Jaccard at or above which a document is a near-duplicate (default 0.8). */
  threshold?: number;
  maxCandidates?: number;
  /** Clusters listed in the report, largest first (default 20). */
  reportClusters?: number;
}

/**
 * Near-duplicate removal with MinHash + LSH, streaming: each document is compared
 * with the kept documents before it, and dropped with the id of the one it repeats.
 */
export function minhashDedupCleaner(options: MinhashDedupOptions = {}): CleanerHook {
  const hasher = new MinHasher(options);
  const index = new LshIndex({
    permutations: hasher.permutations,
    bands: options.bands ?? 16,
    threshold: options.threshold ?? 0.8,
    maxCandidates: options.maxCandidates,
  });
  const keptIds: string[] = [];
  const clusters = new Map<number, { size: number; examples: string[] }>();
  const signature = new Uint32Array(hasher.permutations);
  let dropped = 0;
  return {
    rule: 'minhash-dedup',
    stage: CLEAN_STAGE.DEDUP + 10,
    clean(doc, ctx: KilnContext) {
      const match = index.matchOrAdd(hasher.signature(doc.text, signature));
      if (!match) {
        keptIds.push(doc.id);
        return doc;
      }
      dropped++;
      const cluster = clusters.get(match.index) ?? { size: 1, examples: [] };
      cluster.size++;
      if (cluster.examples.length < 5) cluster.examples.push(doc.id);
      clusters.set(match.index, cluster);
      return ctx.drop('minhash-dedup', `near-duplicate (estimated Jaccard ≥ ${index.threshold})`, keptIds[match.index]);
    },
    finish() {
      const top = [...clusters].sort((a, b) => b[1].size - a[1].size).slice(0, options.reportClusters ?? 20);
      return {
        permutations: hasher.permutations,
        bands: options.bands ?? 16,
        rows: index.rows,
        threshold: options.threshold ?? 0.8,
        indexed: index.size,
        dropped,
        clusters: clusters.size,
        largestClusters: top.map(([i, c]) => ({ kept: keptIds[i], size: c.size, duplicates: c.examples })),
      };
    },
  };
}
