import { CLEAN_STAGE, type CleanerHook, type KilnContext } from '@kiln/core';
import { duplicateNgramCharShare, hashUnits, textStats, topNgramCharShare, type TextStats } from './quality-stats.js';

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
  /** Max share of duplicate lines (0.3) and of characters in duplicate lines (0.2). */
  maxDuplicateLines?: number;
  maxDuplicateLineChars?: number;
  /** Max character share of the most frequent n-gram, by n (Gopher: 2→0.2, 3→0.18, 4→0.16). */
  maxTopNgram?: Record<number, number>;
  /** Max character share of repeated n-grams, by n (Gopher: 5→0.15 ... 10→0.10). */
  maxDuplicateNgram?: Record<number, number>;
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
  maxDuplicateLines: 0.3,
  maxDuplicateLineChars: 0.2,
  maxTopNgram: { 2: 0.2, 3: 0.18, 4: 0.16 },
  maxDuplicateNgram: { 5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.1 },
};

/** The first rule a document fails, as [rule, detail], or undefined when it passes. */
export function qualityVerdict(text: string, opts: Required<QualityOptions>, s: TextStats = textStats(text)): [string, string] | undefined {
  const n = s.units.length;
  const f = (x: number) => x.toFixed(2);
  if (s.cjk) {
    if (n < opts.minCjkChars) return ['too-short', `${n} CJK characters < ${opts.minCjkChars}`];
    if (n > opts.maxCjkChars) return ['too-long', `${n} CJK characters > ${opts.maxCjkChars}`];
  } else {
    if (n < opts.minWords) return ['too-short', `${n} words < ${opts.minWords}`];
    if (n > opts.maxWords) return ['too-long', `${n} words > ${opts.maxWords}`];
    if (s.meanWordLength < opts.minMeanWordLength || s.meanWordLength > opts.maxMeanWordLength) {
      return ['word-length', `mean word length ${f(s.meanWordLength)} outside ${opts.minMeanWordLength}..${opts.maxMeanWordLength}`];
    }
    if (s.alphaShare < opts.minAlphaWords) return ['alpha-words', `${f(s.alphaShare)} of words have a letter < ${opts.minAlphaWords}`];
    if (opts.stopWords.length && opts.minStopWords > 0) {
      const stop = new Set(opts.stopWords);
      let found = 0;
      for (const w of s.units) if (stop.has(w.toLowerCase()) && ++found >= opts.minStopWords) break;
      if (found < opts.minStopWords) return ['stop-words', `${found} stop words < ${opts.minStopWords}`];
    }
  }
  if (s.symbolRatio > opts.maxSymbolRatio) return ['symbol-ratio', `${f(s.symbolRatio)} symbols per word > ${opts.maxSymbolRatio}`];
  if (s.bulletLineShare > opts.maxBulletLines) return ['bullet-lines', `${f(s.bulletLineShare)} of lines are bullets`];
  if (s.ellipsisLineShare > opts.maxEllipsisLines) return ['ellipsis-lines', `${f(s.ellipsisLineShare)} of lines end in an ellipsis`];
  if (s.punctuatedLineShare < opts.minPunctuatedLines) {
    return ['punctuation', `${f(s.punctuatedLineShare)} of lines end in punctuation < ${opts.minPunctuatedLines}`];
  }
  if (s.duplicateLineShare > opts.maxDuplicateLines) return ['duplicate-lines', `${f(s.duplicateLineShare)} of lines repeat`];
  if (s.duplicateLineCharShare > opts.maxDuplicateLineChars) {
    return ['duplicate-lines', `${f(s.duplicateLineCharShare)} of characters are in repeated lines`];
  }
  const units = hashUnits(s.cjk ? s.units : s.units.map((w) => w.toLowerCase()));
  for (const [k, max] of Object.entries(opts.maxTopNgram)) {
    const share = topNgramCharShare(units, +k);
    if (share > max) return ['top-ngram', `top ${k}-gram covers ${f(share)} of characters > ${max}`];
  }
  for (const [k, max] of Object.entries(opts.maxDuplicateNgram)) {
    const share = duplicateNgramCharShare(units, +k);
    if (share > max) return ['duplicate-ngrams', `repeated ${k}-grams cover ${f(share)} of characters > ${max}`];
  }
  return undefined;
}

/** Quality filter: drops a document with rule `quality.<rule>` for the first rule it fails. */
export function qualityCleaner(options: QualityOptions = {}): CleanerHook {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new Error(`quality cleaner: unknown option '${key}' (known: ${Object.keys(DEFAULTS).join(', ')})`);
  }
  const opts = { ...DEFAULTS, ...options } as Required<QualityOptions>;
  const counts: Record<string, number> = {};
  return {
    rule: 'quality',
    stage: CLEAN_STAGE.FILTER,
    clean(doc, ctx: KilnContext) {
      const verdict = qualityVerdict(doc.text, opts);
      if (!verdict) return doc;
      counts[verdict[0]] = (counts[verdict[0]] ?? 0) + 1;
      return ctx.drop(`quality.${verdict[0]}`, verdict[1]);
    },
    finish: () => ({ droppedByRule: counts }),
  };
}
