/**
 * Script classification. Quality and dedup rules switch to character-based
 * variants when a document is mostly CJK, where "words" are not space-separated.
 */
import { isCjkCodePoint, isLetterCodePoint, isLetterOrDigitCodePoint } from './chars.js';

/** Counts letters and CJK letters over the first `limit` code points. */
export function scriptCounts(text: string, limit = 20_000): { letters: number; cjk: number } {
  let letters = 0;
  let cjk = 0;
  let seen = 0;
  for (let i = 0; i < text.length && seen < limit; seen++) {
    const cp = text.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    if (isLetterCodePoint(cp)) {
      letters++;
      if (isCjkCodePoint(cp)) cjk++;
    }
  }
  return { letters, cjk };
}

/** Share of letters that are CJK (0 when there are no letters). */
export function cjkShare(text: string, limit?: number): number {
  const { letters, cjk } = scriptCounts(text, limit);
  return letters === 0 ? 0 : cjk / letters;
}

/** A document is treated as CJK when at least this share of its letters is CJK. */
export const CJK_DOC_SHARE = 0.3;

export function isCjkText(text: string): boolean {
  return cjkShare(text, 4000) >= CJK_DOC_SHARE;
}

/** The letters and digits of a text, one string per code point (CJK "words"). */
export function letterAndDigitChars(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (isLetterOrDigitCodePoint(cp)) out.push(text.slice(i, i + w));
    i += w;
  }
  return out;
}
