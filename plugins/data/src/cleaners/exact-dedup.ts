import { createHash } from 'node:crypto';
import { CLEAN_STAGE, type CleanerHook, type CleanerSplit, type KilnContext } from '@kiln/core';
import { IdStore } from '../util/id-store.js';
import { Key128Index } from './key128-index.js';

export interface ExactDedupOptions {
  /** Compare after NFKC, lower-casing and collapsing whitespace (default true); false compares raw text. */
  normalize?: boolean;
  /** How many duplicate clusters to list in the report (largest first, default 20). */
  reportClusters?: number;
}

/** Text as compared by exact dedup: case, width and spacing differences do not count. */
export function dedupKey(text: string, normalize = true): string {
  const basis = normalize ? text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim() : text;
  // 128 bits of SHA-256 as a 16-char binary string: collisions are negligible at any corpus size.
  return createHash('sha256').update(basis).digest().subarray(0, 16).toString('latin1');
}

/**
 * Exact dedup: keeps the first document of each normalized text, drops the rest
 * with a pointer to the one kept. Memory per distinct document: about 20 bytes
 * (a table slot for its key, where its id ends); the full keys and the ids are
 * spilled to temporary files and read back for duplicates only.
 */
export function exactDedupCleaner(options: ExactDedupOptions = {}): CleanerHook {
  const normalize = options.normalize ?? true;
  const seen = new Key128Index();
  const firstIds = new IdStore(); // by the key's number
  const clusters = new Map<number, number>(); // key number → documents with that text
  // The hash runs on any worker; keeping the first of each key needs every earlier document, in order.
  const split = {
    summarize: (doc) => dedupKey(doc.text, normalize),
    decide(doc, key, ctx) {
      const first = seen.indexOf(key);
      if (first < 0) {
        seen.add(key);
        firstIds.add(doc.id);
        return undefined;
      }
      clusters.set(first, (clusters.get(first) ?? 1) + 1);
      return ctx.drop('exact-dedup', 'same text as an earlier document', firstIds.get(first));
    },
  } satisfies CleanerSplit<string>;
  return {
    rule: 'exact-dedup',
    stage: CLEAN_STAGE.DEDUP,
    parallel: split,
    clean: (doc, ctx: KilnContext) => split.decide(doc, dedupKey(doc.text, normalize), ctx) ?? doc,
    finish() {
      // Clusters were counted by first id; two distinct texts whose first documents share an id count as one.
      const byId = new Map<string, number>();
      for (const [first, size] of clusters) {
        const id = firstIds.get(first);
        byId.set(id, (byId.get(id) ?? 1) + size - 1);
      }
      const top = [...byId].sort((a, b) => b[1] - a[1]).slice(0, options.reportClusters ?? 20);
      return {
        distinct: seen.size,
        clusters: byId.size,
        largestClusters: top.map(([kept, size]) => ({ kept, size })),
      };
    },
  };
}
