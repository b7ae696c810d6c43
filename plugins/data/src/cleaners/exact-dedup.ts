import { createHash } from 'node:crypto';
import { CLEAN_STAGE, type CleanerHook, type CleanerSplit, type KilnContext } from '@kiln/core';

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
 * with a pointer to the one kept. Memory: one 16-byte key and one id per distinct document.
 */
export function exactDedupCleaner(options: ExactDedupOptions = {}): CleanerHook {
  const normalize = options.normalize ?? true;
  const seen = new Map<string, string>();
  const clusters = new Map<string, number>();
  // The hash runs on any worker; keeping the first of each key needs every earlier document, in order.
  const split = {
    summarize: (doc) => dedupKey(doc.text, normalize),
    decide(doc, key, ctx) {
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, doc.id);
        return undefined;
      }
      clusters.set(first, (clusters.get(first) ?? 1) + 1);
      return ctx.drop('exact-dedup', 'same text as an earlier document', first);
    },
  } satisfies CleanerSplit<string>;
  return {
    rule: 'exact-dedup',
    stage: CLEAN_STAGE.DEDUP,
    parallel: split,
    clean: (doc, ctx: KilnContext) => split.decide(doc, dedupKey(doc.text, normalize), ctx) ?? doc,
    finish() {
      const top = [...clusters].sort((a, b) => b[1] - a[1]).slice(0, options.reportClusters ?? 20);
      return {
        distinct: seen.size,
        clusters: clusters.size,
        largestClusters: top.map(([kept, size]) => ({ kept, size })),
      };
    },
  };
}
