import { fmix32, fnv1a32 } from '../util/hash.js';
import { isCjkText, letterAndDigitChars } from '../util/scripts.js';
import { NgramTable } from './ngram-table.js';

/** Per-document statistics the Gopher/C4 rules read. Computed once per document. */
export interface TextStats {
  cjk: boolean;
  chars: number;
  /** Words, or for CJK text its letters and digits (one "word" per character). */
  units: string[];
  lines: string[];
  meanWordLength: number;
  /** '#' and ellipses per word. */
  symbolRatio: number;
  /** Share of words containing a letter. */
  alphaShare: number;
  bulletLineShare: number;
  ellipsisLineShare: number;
  /** Share of non-empty lines that end in terminal punctuation (., !, ?, 。, ！, ？, closing quotes). */
  punctuatedLineShare: number;
  duplicateLineShare: number;
  duplicateLineCharShare: number;
}

const WORD = /[^\s]+/g;
const HAS_LETTER = /\p{L}/u;
const BULLET = /^\s*[-*•‣◦▪·●]\s/;
const ELLIPSIS_END = /(\.\.\.|…)\s*$/;
const PUNCT_END = /[.!?。！？；;:：…"'”’」』）)]\s*$/u;

export function textStats(text: string): TextStats {
  const cjk = isCjkText(text);
  const units = cjk ? letterAndDigitChars(text) : (text.match(WORD) ?? []);
  const lines = text.split('\n').filter((l) => l.trim());
  let letters = 0;
  let alpha = 0;
  for (const w of units) {
    letters += w.length;
    if (HAS_LETTER.test(w)) alpha++;
  }
  const symbols = (text.match(/#/g)?.length ?? 0) + (text.match(/\.\.\.|…/g)?.length ?? 0);
  const lineCounts = new Map<string, number>();
  for (const l of lines) lineCounts.set(l, (lineCounts.get(l) ?? 0) + 1);
  let dupLines = 0;
  let dupLineChars = 0;
  for (const [l, n] of lineCounts) {
    if (n > 1) {
      dupLines += n - 1;
      dupLineChars += (n - 1) * l.length;
    }
  }
  const nw = units.length || 1;
  const nl = lines.length || 1;
  return {
    cjk,
    chars: text.length,
    units,
    lines,
    meanWordLength: letters / nw,
    symbolRatio: symbols / nw,
    alphaShare: alpha / nw,
    bulletLineShare: lines.filter((l) => BULLET.test(l)).length / nl,
    ellipsisLineShare: lines.filter((l) => ELLIPSIS_END.test(l)).length / nl,
    punctuatedLineShare: lines.filter((l) => PUNCT_END.test(l)).length / nl,
    duplicateLineShare: dupLines / nl,
    duplicateLineCharShare: dupLineChars / (text.length || 1),
  };
}

/** Units as 32-bit hashes with their lengths: n-gram rules key on numbers, not joined strings. */
export interface HashedUnits {
  ids: Uint32Array;
  lengths: Uint32Array;
  totalChars: number;
}

export function hashUnits(units: string[]): HashedUnits {
  const ids = new Uint32Array(units.length);
  const lengths = new Uint32Array(units.length);
  let totalChars = 0;
  for (let i = 0; i < units.length; i++) {
    ids[i] = fnv1a32(units[i]);
    lengths[i] = units[i].length;
    totalChars += units[i].length;
  }
  return { ids, lengths, totalChars };
}

/** 32-bit hash of the n-gram starting at i (collisions inside one document are negligible for a share). */
function ngramHash(ids: Uint32Array, i: number, n: number): number {
  let h = 0x2545f491 ^ n;
  for (let j = i; j < i + n; j++) h = fmix32((h ^ ids[j]) + j - i);
  return h;
}

const table = new NgramTable();

/** Share of characters covered by the most frequent n-gram (Gopher's "top n-gram" rule). */
export function topNgramCharShare(u: HashedUnits, n: number): number {
  const count = u.ids.length - n + 1;
  if (count < 2) return 0;
  table.reset(count);
  let best = 0;
  let bestAt = 0;
  for (let i = 0; i < count; i++) {
    const slot = table.slot(ngramHash(u.ids, i, n), i);
    const c = ++table.counts[slot];
    if (c > best) {
      best = c;
      bestAt = i;
    }
  }
  if (best < 2) return 0;
  let len = 0;
  for (let j = bestAt; j < bestAt + n; j++) len += u.lengths[j];
  return (best * len) / (u.totalChars || 1);
}

/** Share of characters inside n-grams that occur more than once (Gopher's "duplicate n-gram" rule). */
export function duplicateNgramCharShare(u: HashedUnits, n: number): number {
  const count = u.ids.length - n + 1;
  if (count < 2) return 0;
  table.reset(count);
  const covered = new Uint8Array(u.ids.length);
  for (let i = 0; i < count; i++) {
    const slot = table.slot(ngramHash(u.ids, i, n), i);
    const at = table.first[slot];
    if (at === i) continue;
    for (let j = 0; j < n; j++) covered[at + j] = covered[i + j] = 1;
  }
  let dup = 0;
  for (let i = 0; i < u.ids.length; i++) if (covered[i]) dup += u.lengths[i];
  return dup / (u.totalChars || 1);
}
