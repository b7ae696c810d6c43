/**
 * Counts pre-tokenized words over a corpus, so trainers see each distinct word once
 * with its count instead of the raw text.
 *
 * Memory stays bounded on any input: pieces longer than maxWordChars (text without
 * spaces under the GPT-2 pattern, base64 blobs) are counted as consecutive chunks, and
 * when the table passes maxDistinctWords the rarest words are pruned (count below a
 * rising threshold), as streaming word counters do.
 */

import { applyNormalizers, type NormalizerName } from './normalizer.js';
import type { PreTokenizer } from './pretokenize.js';

export interface WordCounterOptions {
  /** Longer pieces are counted in chunks of this many UTF-16 units (default 64). */
  maxWordChars?: number;
  /** Prune rare words when more distinct words than this are held (default 4M). */
  maxDistinctWords?: number;
  normalizers?: readonly NormalizerName[];
}

export class WordCounter {
  private readonly counts = new Map<string, number>();
  /** Counts of one-unit pieces (every Han character under 'cjk'), kept apart: no substring, no map entry. */
  private readonly single = new Float64Array(65536);
  /** UTF-16 units of text seen. */
  chars = 0;
  documents = 0;
  /** Words dropped by pruning (distinct), and the threshold reached. */
  pruned = 0;
  pruneBelow = 1;
  private readonly maxWordChars: number;
  private readonly maxDistinct: number;

  constructor(
    private readonly pre: PreTokenizer | null,
    private readonly options: WordCounterOptions = {},
  ) {
    this.maxWordChars = Math.max(2, options.maxWordChars ?? 64);
    this.maxDistinct = Math.max(1024, options.maxDistinctWords ?? 4_000_000);
  }

  add(text: string): void {
    if (this.options.normalizers?.length) text = applyNormalizers(text, this.options.normalizers);
    this.chars += text.length;
    this.documents++;
    if (!this.pre) {
      this.addPiece(text, 0, text.length);
    } else {
      const pieces = this.pre.split(text);
      let start = 0;
      for (let k = 0; k < pieces.count; k++) {
        const end = pieces.ends[k];
        this.addPiece(text, start, end);
        start = end;
      }
    }
    if (this.counts.size > this.maxDistinct) this.prune();
  }

  /** Every distinct word and its count; call once counting is done. */
  words(): Map<string, number> {
    for (let c = 0; c < 65536; c++) {
      if (this.single[c] === 0) continue;
      const w = String.fromCharCode(c);
      this.counts.set(w, (this.counts.get(w) ?? 0) + this.single[c]);
      this.single[c] = 0;
    }
    return this.counts;
  }

  private addPiece(text: string, start: number, end: number): void {
    if (end - start === 1) {
      this.single[text.charCodeAt(start)]++;
      return;
    }
    const counts = this.counts;
    while (end - start > this.maxWordChars) {
      let cut = start + this.maxWordChars;
      const c = text.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--; // never split a surrogate pair
      const w = text.slice(start, cut);
      counts.set(w, (counts.get(w) ?? 0) + 1);
      start = cut;
    }
    const w = text.slice(start, end);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }

  private prune(): void {
    while (this.counts.size > this.maxDistinct / 2) {
      this.pruneBelow++;
      for (const [w, c] of this.counts) {
        if (c < this.pruneBelow) {
          this.counts.delete(w);
          this.pruned++;
        }
      }
    }
  }
}
