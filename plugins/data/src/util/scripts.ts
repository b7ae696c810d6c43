/**
 * Script classification. Quality and dedup rules switch to character-based
 * variants when a document is mostly CJK, where "words" are not space-separated.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LETTER = /\p{L}/u;

/** True for a Han, kana or Hangul code point. */
export function isCjkChar(ch: string): boolean {
  return CJK.test(ch);
}

/** Counts letters and CJK letters, iterating code points (emoji and astral Han count once). */
export function scriptCounts(text: string, limit = 20_000): { letters: number; cjk: number } {
  let letters = 0;
  let cjk = 0;
  let seen = 0;
  for (const ch of text) {
    if (++seen > limit) break;
    if (LETTER.test(ch)) {
      letters++;
      if (CJK.test(ch)) cjk++;
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
