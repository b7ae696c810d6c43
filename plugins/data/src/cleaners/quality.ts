import { CLEAN_STAGE, type CleanerHook, type KilnContext } from '@kiln/core';
import { duplicateNgramCharShare, hashUnits, type TextStats, textStats, topNgramCharShare } from './quality-stats.js';

/**
 * Gopher (Rae et al. 2021, appendix A) and C4 quality rules. Defaults are the
 * papers' values; for CJK text, where words are not space-separated, "words"
 * are characters and the word-length and stop-word rules do not apply.
 */
export interface QualityOptions {
  /** Word bounds for space-separated text (Gopher: 50..100 000). */
  minWords?: number;
  maxWords?: number;
  /** Character bounds for CJK text (default 10..200 000). */
  minCjkChars?: number;
  maxCjkChars?: number;
  /** Mean word length bounds (Gopher: 3..10). */
  minMeanWordLength?: number;
  maxMeanWordLength?: number;
  /** Max '#' and ellipses per word (Gopher: 0.1). */
  maxSymbolRatio?: number;
  /** Max share of lines starting with a bullet (0.9) or ending in an ellipsis (0.3). */
  maxBulletLines?: number;
  maxEllipsisLines?: number;
  /** Min share of words holding a letter (Gopher: 0.8). */
  minAlphaWords?: number;
  /** Stop words of which at least `minStopWords` must occur, space-separated text only (Gopher: 2 English). Set [] to disable. */
  stopWords?: string[];
  minStopWords?: number;
  /** Min share of lines ending in terminal punctuation (C4-style; default 0.1; 0 disables). */
  minPunctuatedLines?: number;
  /** The punctuation rule judges documents of at least this many lines (default 3): one long line says little. */
  minLinesForPunctuation?: number;
  /** Max share of duplicate lines (0.3) and of characters in duplicate lines (0.2). */
  maxDuplicateLines?: number;
  maxDuplicateLineChars?: number;
  /** Max character share of the most frequent n-gram, by n (Gopher: 2→0.2, 3→0.18, 4→0.16). */
  maxTopNgram?: Record<number, number>;
  /** Max character share of repeated n-grams, by n (Gopher: 5→0.15 ... 10→0.10). */
  maxDuplicateNgram?: Record<number, number>;
  /**
   * The same two rules for CJK text, over characters. n is twice Gopher's word n (a Chinese
   * word averages 1.5–2 characters), so short classical poems with their parallel lines pass.
   */
  maxTopNgramCjk?: Record<number, number>;
  maxDuplicateNgramCjk?: Record<number, number>;
}

const DEFAULTS: Required<QualityOptions> = {
  minWords: 50,
  maxWords: 100_000,
  minCjkChars: 10,
  maxCjkChars: 200_000,
  minMeanWordLength: 3,
  maxMeanWordLength: 10,
  maxSymbolRatio: 0.1,
  maxBulletLines: 0.9,
  maxEllipsisLines: 0.3,
  minAlphaWords: 0.8,
  stopWords: ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'],
  minStopWords: 2,
  minPunctuatedLines: 0.1,
  minLinesForPunctuation: 3,
  maxDuplicateLines: 0.3,
  maxDuplicateLineChars: 0.2,
  maxTopNgram: { 2: 0.2, 3: 0.18, 4: 0.16 },
  maxDuplicateNgram: { 5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.1 },
  maxTopNgramCjk: { 4: 0.2, 6: 0.18, 8: 0.16 },
  maxDuplicateNgramCjk: { 10: 0.15, 12: 0.14, 14: 0.13, 16: 0.12, 18: 0.11, 20: 0.1 },
};

/**
 * The first rule a document fails, as [rule, detail], or undefined when it passes.
 * Details name the threshold, not the document's value, so the report groups drops by reason.
 */
export function qualityVerdict(
  text: string,
  opts: Required<QualityOptions>,
  s: TextStats = textStats(text),
): [string, string] | undefined {
  const n = s.units.length;
  if (s.cjk) {
    if (n < opts.minCjkChars) return ['too-short', `fewer than ${opts.minCjkChars} CJK characters`];
    if (n > opts.maxCjkChars) return ['too-long', `more than ${opts.maxCjkChars} CJK characters`];
  } else {
    if (n < opts.minWords) return ['too-short', `fewer than ${opts.minWords} words`];
    if (n > opts.maxWords) return ['too-long', `more than ${opts.maxWords} words`];
    if (s.meanWordLength < opts.minMeanWordLength || s.meanWordLength > opts.maxMeanWordLength) {
      return ['word-length', `mean word length outside ${opts.minMeanWordLength}..${opts.maxMeanWordLength}`];
    }
    if (s.alphaShare < opts.minAlphaWords) return ['alpha-words', `under ${opts.minAlphaWords} of words hold a letter`];
    if (opts.stopWords.length && opts.minStopWords > 0) {
      const stop = new Set(opts.stopWords);
      let found = 0;
      for (const w of s.units) if (stop.has(w.toLowerCase()) && ++found >= opts.minStopWords) break;
      if (found < opts.minStopWords) return ['stop-words', `fewer than ${opts.minStopWords} stop words`];
    }
  }
  if (s.symbolRatio > opts.maxSymbolRatio)
    return ['symbol-ratio', `over ${opts.maxSymbolRatio} '#' or ellipses per word`];
  if (s.bulletLineShare > opts.maxBulletLines)
    return ['bullet-lines', `over ${opts.maxBulletLines} of lines are bullets`];
  if (s.ellipsisLineShare > opts.maxEllipsisLines)
    return ['ellipsis-lines', `over ${opts.maxEllipsisLines} of lines end in an ellipsis`];
  if (s.lines.length >= opts.minLinesForPunctuation && s.punctuatedLineShare < opts.minPunctuatedLines) {
    return ['punctuation', `under ${opts.minPunctuatedLines} of lines end in punctuation`];
  }
  if (s.duplicateLineShare > opts.maxDuplicateLines)
    return ['duplicate-lines', `over ${opts.maxDuplicateLines} of lines repeat`];
  if (s.duplicateLineCharShare > opts.maxDuplicateLineChars) {
    return ['duplicate-lines', `over ${opts.maxDuplicateLineChars} of characters in repeated lines`];
  }
  const units = hashUnits(s.cjk ? s.units : s.units.map((w) => w.toLowerCase()));
  const top = byN(s.cjk ? opts.maxTopNgramCjk : opts.maxTopNgram);
  for (const [n, max] of top) {
    const share = topNgramCharShare(units, n);
    if (share > max) return ['top-ngram', `most frequent ${n}-gram covers over ${max} of characters`];
    if (share === 0) break; // nothing repeats at this n, so nothing repeats at larger n
  }
  const dup = byN(s.cjk ? opts.maxDuplicateNgramCjk : opts.maxDuplicateNgram);
  for (let i = 0; i < dup.length; i++) {
    const [n, max] = dup[i];
    const share = duplicateNgramCharShare(units, n);
    if (share > max) return ['duplicate-ngrams', `repeated ${n}-grams cover over ${max} of characters`];
    // The share can only shrink as n grows: stop once it is under every larger n's limit.
    if (dup.slice(i + 1).every(([, m]) => share <= m)) break;
  }
  return undefined;
}

/** Thresholds sorted by n, ascending. */
function byN(limits: Record<number, number>): Array<[number, number]> {
  return Object.entries(limits)
    .map(([n, max]) => [Number(n), max] as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

/** Quality filter: drops a document with rule `quality.<rule>` for the first rule it fails. */
export function qualityCleaner(options: QualityOptions = {}): CleanerHook {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS))
      throw new Error(`quality cleaner: unknown option '${key}' (known: ${Object.keys(DEFAULTS).join(', ')})`);
  }
  const opts = { ...DEFAULTS, ...options } as Required<QualityOptions>;
  const counts: Record<string, number> = {};
  return {
    rule: 'quality',
    stage: CLEAN_STAGE.FILTER,
    parallel: 'document',
    clean(doc, ctx: KilnContext) {
      const verdict = qualityVerdict(doc.text, opts);
      if (!verdict) return doc;
      counts[verdict[0]] = (counts[verdict[0]] ?? 0) + 1;
      return ctx.drop(`quality.${verdict[0]}`, `${verdict[0]}: ${verdict[1]}`);
    },
    finish: () => ({ droppedByRule: counts }),
  };
}
