/**
 * BERT's text handling, as Hugging Face's BertNormalizer and BertPreTokenizer do it:
 * drop control characters, map whitespace to spaces, put spaces around every CJK
 * ideograph (so each is a word of its own), optionally strip accents and lowercase;
 * then split on whitespace and isolate every punctuation character.
 */

export interface BertNormalizerOptions {
  cleanText?: boolean;
  handleChineseChars?: boolean;
  /** Defaults to the value of lowercase, as in BERT. */
  stripAccents?: boolean | null;
  lowercase?: boolean;
}

const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/u;
const SPACE = /\s/u;
const PUNCT = /\p{P}/u;
const MARK = /\p{Mn}/gu;

export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export function bertNormalize(text: string, o: BertNormalizerOptions): string {
  const clean = o.cleanText ?? true;
  const cjk = o.handleChineseChars ?? true;
  const lower = o.lowercase ?? true;
  const strip = o.stripAccents ?? lower;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (clean) {
      if (cp === 0 || cp === 0xfffd) continue;
      if (ch === '\t' || ch === '\n' || ch === '\r' || SPACE.test(ch)) {
        out += ' ';
        continue;
      }
      if (CONTROL.test(ch)) continue;
    }
    out += cjk && isChineseChar(cp) ? ` ${ch} ` : ch;
  }
  if (strip) out = out.normalize('NFD').replace(MARK, '');
  if (lower) out = out.toLowerCase();
  return out;
}

function isBertPunct(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return PUNCT.test(ch);
}

/** Words of normalized text with their [start, end) in it. */
export function bertPreTokenize(text: string): { word: string; start: number; end: number }[] {
  const out: { word: string; start: number; end: number }[] = [];
  let start = -1;
  let i = 0;
  for (const ch of text) {
    const w = ch.length;
    if (SPACE.test(ch)) {
      if (start >= 0) out.push({ word: text.slice(start, i), start, end: i });
      start = -1;
    } else if (isBertPunct(ch)) {
      if (start >= 0) out.push({ word: text.slice(start, i), start, end: i });
      out.push({ word: ch, start: i, end: i + w });
      start = -1;
    } else if (start < 0) {
      start = i;
    }
    i += w;
  }
  if (start >= 0) out.push({ word: text.slice(start), start, end: text.length });
  return out;
}
