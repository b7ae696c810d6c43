/**
 * Pre-tokenization: split text into pieces that BPE never merges across.
 *
 * Two named patterns have hand-written scanners (a character-class table instead of
 * a regex engine, several times faster); both are proven equal to their regex in the
 * tests. Any other pattern (from an imported tokenizer.json) runs as a JS RegExp.
 * Pieces always cover the whole text, as Hugging Face's Split(behavior: Isolated) and
 * ByteLevel(use_regex) do: text between matches becomes a piece of its own.
 *
 * - 'gpt2': GPT-2's pattern, the JS form used by tiktoken/gpt-tokenizer:
 *     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * - 'cjk': GPT-2's pattern made CJK-aware: every Han character is a piece of its own
 *   (so no merge spans two Chinese characters and training memory stays bounded on
 *   text without spaces), and digits are split one by one (so numbers tokenize
 *   consistently). Other letters (Latin, kana, Hangul...) behave as in GPT-2.
 */

export type PatternName = 'gpt2' | 'cjk';

/** Oniguruma syntax, as written into tokenizer.json. */
export const PATTERNS: Record<PatternName, string> = {
  gpt2: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  cjk: "'s|'t|'re|'ve|'m|'ll|'d| ?[^\\s\\P{L}\\p{Han}]+| ?\\p{Han}| ?\\p{N}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
};

/** Converts Oniguruma script shorthands (\p{Han}) to JS (\p{Script=Han}). */
export function toJsRegexSource(pattern: string): string {
  return pattern.replace(
    /\\([pP])\{(Han|Hiragana|Katakana|Hangul|Latin|Greek|Cyrillic|Arabic|Hebrew|Thai)\}/g,
    '\\$1{Script=$2}',
  );
}

// Character classes of the scanners.
const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;
const HAN = 4;

const RE_L = /\p{L}/u;
const RE_N = /\p{N}/u;
const RE_S = /\s/u;
const RE_HAN = /\p{Script=Han}/u;

function classify(ch: string): number {
  if (RE_S.test(ch)) return SPACE;
  if (RE_HAN.test(ch)) return HAN;
  if (RE_L.test(ch)) return LETTER;
  if (RE_N.test(ch)) return NUMBER;
  return OTHER;
}

const bmpTables: Partial<Record<PatternName, Uint8Array>> = {};
const astralClass = new Map<number, number>();

/** Class of every BMP code point, built once per pattern (~65k regex tests, a few ms). */
function table(kind: PatternName): Uint8Array {
  let t = bmpTables[kind];
  if (t) return t;
  t = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) {
    const k = c >= 0xd800 && c <= 0xdfff ? OTHER : classify(String.fromCharCode(c));
    // Under GPT-2's pattern Han characters are plain letters.
    t[c] = kind === 'gpt2' && k === HAN ? LETTER : k;
  }
  return (bmpTables[kind] = t);
}

function astral(cp: number, cjk: boolean): number {
  let k = astralClass.get(cp);
  if (k === undefined) astralClass.set(cp, (k = classify(String.fromCodePoint(cp))));
  return !cjk && k === HAN ? LETTER : k;
}

/** A growable list of piece end offsets (UTF-16 units); pieces are contiguous from 0. */
export interface Pieces {
  ends: Int32Array;
  count: number;
}

export interface PreTokenizer {
  /** 'gpt2', 'cjk' or 'regex'. */
  readonly kind: PatternName | 'regex';
  /** The pattern in Oniguruma syntax (for tokenizer.json). */
  readonly pattern: string;
  /** Splits text; the returned object is reused by the next call. */
  split(text: string): Pieces;
}

/** A pre-tokenizer for a named pattern or any regex source (Oniguruma or JS syntax). */
export function createPreTokenizer(pattern: PatternName | string): PreTokenizer {
  if (pattern === 'gpt2' || pattern === PATTERNS.gpt2) return new ScannerPreTokenizer('gpt2');
  if (pattern === 'cjk' || pattern === PATTERNS.cjk) return new ScannerPreTokenizer('cjk');
  return new RegexPreTokenizer(pattern);
}

class PieceBuffer implements Pieces {
  ends = new Int32Array(1024);
  count = 0;
  push(end: number): void {
    if (this.count === this.ends.length) {
      const grown = new Int32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = end;
  }
}

class ScannerPreTokenizer implements PreTokenizer {
  readonly kind: PatternName;
  readonly pattern: string;
  private readonly out = new PieceBuffer();
  private readonly cjk: boolean;
  private readonly t: Uint8Array;

  constructor(kind: PatternName) {
    this.kind = kind;
    this.pattern = PATTERNS[kind];
    this.cjk = kind === 'cjk';
    this.t = table(kind);
  }

  split(text: string): Pieces {
    const out = this.out;
    out.count = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      const end = this.pieceEnd(text, i, n);
      out.push(end);
      i = end;
    }
    return out;
  }

  /** Class and width of the code point at i. */
  private cls(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return astral(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00), this.cjk) | 8;
    }
    return this.t[c];
  }

  /** End of the run of class k starting at i. In 'cjk' mode Han letters and digits are single. */
  private runEnd(text: string, i: number, n: number, k: number): number {
    if (this.cjk && (k === HAN || k === NUMBER)) return i + (this.cls(text, i) & 8 ? 2 : 1);
    const t = this.t;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 0xd800 || c > 0xdbff) {
        if (t[c] !== k) break;
        i++;
      } else {
        const w = this.cls(text, i);
        if ((w & 7) !== k) break;
        i += w & 8 ? 2 : 1;
      }
    }
    return i;
  }

  private pieceEnd(text: string, i: number, n: number): number {
    const c = text.charCodeAt(i);
    if (c === 0x27 && i + 1 < n) {
      // Contractions: 's 't 'm 'd 're 've 'll (lowercase only, as in the regex).
      const d = text.charCodeAt(i + 1);
      if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) return i + 2;
      if (i + 2 < n) {
        const e = text.charCodeAt(i + 2);
        if ((d === 0x72 && e === 0x65) || (d === 0x76 && e === 0x65) || (d === 0x6c && e === 0x6c)) return i + 3;
      }
    }
    const k = this.cls(text, i) & 7;
    if (c === 0x20 && i + 1 < n) {
      const k1 = this.cls(text, i + 1) & 7;
      if (k1 !== SPACE) return this.runEnd(text, i + 1, n, k1);
    }
    if (k !== SPACE) return this.runEnd(text, i, n, k);
    // \s+(?!\S) then \s+: a whitespace run, leaving its last character to prefix the next word.
    let j = i + 1;
    while (j < n && this.t[text.charCodeAt(j)] === SPACE) j++;
    if (j === n || j - i === 1) return j;
    return j - 1;
  }
}

class RegexPreTokenizer implements PreTokenizer {
  readonly kind = 'regex' as const;
  readonly pattern: string;
  private readonly re: RegExp;
  private readonly out = new PieceBuffer();

  constructor(pattern: string) {
    this.pattern = pattern;
    try {
      this.re = new RegExp(toJsRegexSource(pattern), 'gu');
    } catch (e) {
      throw new Error(`pre-tokenizer pattern ${JSON.stringify(pattern)} is not a valid regex: ${(e as Error).message}`);
    }
  }

  split(text: string): Pieces {
    const out = this.out;
    out.count = 0;
    const re = this.re;
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (m.index > last) out.push(m.index);
      out.push((last = m.index + m[0].length));
    }
    if (last < text.length) out.push(text.length);
    return out;
  }
}
