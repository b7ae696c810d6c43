import { CLEAN_STAGE, type CleanerHook, type CleanerSplit, type KilnContext } from '@kiln/core';
import { IdStore } from '../util/id-store.js';
import { LshIndex } from './lsh.js';
import { MinHasher, type MinHashOptions } from './minhash.js';

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
 * Memory per kept document: its band entries (~180 bytes at 16 bands) and where
 * its id ends (8 bytes); its signature and id are spilled to temporary files.
 */
export function minhashDedupCleaner(options: MinhashDedupOptions = {}): CleanerHook {
  const hasher = new MinHasher(options);
  const index = new LshIndex({
    permutations: hasher.permutations,
    bands: options.bands ?? 16,
    threshold: options.threshold ?? 0.8,
    maxCandidates: options.maxCandidates,
  });
  const keptIds = new IdStore(); // by index in the LSH index
  const clusters = new Map<number, { size: number; examples: string[] }>();
  let dropped = 0;
  // Signatures (the cost) are made on any worker; the index sees them in input order.
  const split = {
    summarize: (doc) => hasher.signature(doc.text, new Uint32Array(hasher.permutations)),
    decide(doc, signature, ctx) {
      const match = index.matchOrAdd(signature);
      if (!match) {
        keptIds.add(doc.id);
        return undefined;
      }
      dropped++;
      const cluster = clusters.get(match.index) ?? { size: 1, examples: [] };
      cluster.size++;
      if (cluster.examples.length < 5) cluster.examples.push(doc.id);
      clusters.set(match.index, cluster);
      return ctx.drop(
        'minhash-dedup',
        `near-duplicate (estimated Jaccard ≥ ${index.threshold})`,
        keptIds.get(match.index),
      );
    },
  } satisfies CleanerSplit<Uint32Array>;
  const signature = new Uint32Array(hasher.permutations);
  return {
    rule: 'minhash-dedup',
    stage: CLEAN_STAGE.DEDUP + 10,
    parallel: split,
    clean: (doc, ctx: KilnContext) => split.decide(doc, hasher.signature(doc.text, signature), ctx) ?? doc,
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
        largestClusters: top.map(([i, c]) => ({ kept: keptIds.get(i), size: c.size, duplicates: c.examples })),
      };
    },
  };
}
