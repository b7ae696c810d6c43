import { isLetterOrDigitCodePoint } from '../util/chars.js';
import { fmix32, fnv1a32, splitmix32 } from '../util/hash.js';
import { isCjkText } from '../util/scripts.js';

export interface MinHashOptions {
  /** Words per shingle for space-separated text (default 5). */
  wordNgram?: number;
  /** Characters per shingle for CJK text (default 5). */
  charNgram?: number;
  /** Signature length: number of hash permutations (default 128). */
  permutations?: number;
  /** Seed of the permutation constants (default 1): signatures compare only under the same seed. */
  seed?: number;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * MinHash signatures over shingles: word n-grams for space-separated text,
 * character n-grams for CJK (decided per document by script share). Each
 * permutation is x ↦ a·x + b (mod 2³²) with odd a applied to the shingle's
 * mixed 32-bit hash: two integer ops per shingle per permutation.
 */
export class MinHasher {
  readonly permutations: number;
  readonly wordNgram: number;
  readonly charNgram: number;
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  private shingles = new Uint32Array(4096);

  constructor(options: MinHashOptions = {}) {
    this.permutations = options.permutations ?? 128;
    this.wordNgram = options.wordNgram ?? 5;
    this.charNgram = options.charNgram ?? 5;
    for (const [k, v] of Object.entries({
      permutations: this.permutations,
      wordNgram: this.wordNgram,
      charNgram: this.charNgram,
    })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`minhash: option '${k}' must be a positive integer, got ${v}`);
    }
    const rand = splitmix32(options.seed ?? 1);
    this.a = new Uint32Array(this.permutations);
    this.b = new Uint32Array(this.permutations);
    for (let i = 0; i < this.permutations; i++) {
      this.a[i] = rand() | 1;
      this.b[i] = rand();
    }
  }

  /** The document's shingle hashes (with repeats; repeats do not change a minimum). */
  shingleHashes(text: string): Uint32Array {
    const units: number[] = [];
    let n: number;
    if (isCjkText(text)) {
      for (let i = 0; i < text.length; ) {
        let cp = text.codePointAt(i)!;
        i += cp > 0xffff ? 2 : 1;
        if (!isLetterOrDigitCodePoint(cp)) continue;
        if (cp >= 0x41 && cp <= 0x5a) cp |= 0x20; // ASCII lower-case, as for words
        units.push(fmix32(cp + 0x9e3779b9));
      }
      n = this.charNgram;
    } else {
      for (const m of text.toLowerCase().matchAll(WORD)) units.push(fnv1a32(m[0]));
      n = this.wordNgram;
    }
    const count = units.length === 0 ? 0 : Math.max(1, units.length - n + 1);
    if (this.shingles.length < count) this.shingles = new Uint32Array(count * 2);
    const out = this.shingles.subarray(0, count);
    for (let i = 0; i < count; i++) {
      let h = 0x2545f491;
      const end = Math.min(i + n, units.length);
      for (let j = i; j < end; j++) h = fmix32((h ^ units[j]) + j - i);
      out[i] = h;
    }
    return out;
  }

  /** The signature: for each permutation, the minimum permuted shingle hash (all 0xffffffff for an empty text). */
  signature(text: string, out = new Uint32Array(this.permutations)): Uint32Array {
    const shingles = this.shingleHashes(text);
    out.fill(0xffffffff);
    const { a, b, permutations } = this;
    for (let s = 0; s < shingles.length; s++) {
      const x = shingles[s];
      for (let i = 0; i < permutations; i++) {
        const h = (Math.imul(a[i], x) + b[i]) >>> 0;
        if (h < out[i]) out[i] = h;
      }
    }
    return out;
  }
}

/** Estimated Jaccard similarity: the share of signature positions that agree. */
export function estimateJaccard(x: Uint32Array, y: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
  return same / x.length;
}

/** Exact Jaccard similarity of two shingle sets (for tests and calibration). */
export function exactJaccard(x: Uint32Array, y: Uint32Array): number {
  const a = new Set(x);
  const b = new Set(y);
  let inter = 0;
  for (const v of a) if (b.has(v)) inter++;
  return inter / (a.size + b.size - inter || 1);
}
