/**
 * Per-code-point classification with fast paths for ASCII and the CJK Unified
 * Ideographs block, which together cover nearly every character of our corpora;
 * everything else falls back to a Unicode property regex.
 */
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const LETTER = /^\p{L}$/u;
const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u;

export function isCjkCodePoint(cp: number): boolean {
  if (cp < 0x1100) return false;
  if (cp >= 0x4e00 && cp <= 0x9fff) return true;
  return CJK.test(String.fromCodePoint(cp));
}

export function isLetterOrDigitCodePoint(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a);
  if (cp >= 0x4e00 && cp <= 0x9fff) return true;
  return LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
}

export function isLetterCodePoint(cp: number): boolean {
  if (cp < 0x80) return (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a;
  if (cp >= 0x4e00 && cp <= 0x9fff) return true;
  return LETTER.test(String.fromCodePoint(cp));
}
