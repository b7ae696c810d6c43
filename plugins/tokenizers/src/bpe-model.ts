/**
 * A byte-level BPE vocabulary: the bytes of every token and the ranked merges, and
 * the merge loop that turns one pre-tokenized word into ids.
 */

import { BYTE_ORDER, bytesToChars, charsToBytes } from './byte-level.js';
import { PairTable } from './pair-table.js';

export class BpeModel {
  /** Bytes of each id; undefined for ids that are not BPE tokens (special tokens). */
  readonly tokenBytes: (Uint8Array | undefined)[];
  /** Merge k joins mergeLeft[k] and mergeRight[k] into mergeResult[k] (k is the rank). */
  readonly mergeLeft: Int32Array;
  readonly mergeRight: Int32Array;
  readonly mergeResult: Int32Array;
  /** Id of each single byte, -1 when the vocabulary lacks it (the byte is then dropped, as Hugging Face does). */
  readonly byteToId: Int32Array;
  /** Hugging Face's ignore_merges: a word that is a whole token is emitted as it is. */
  readonly ignoreMerges: boolean;
  private readonly ranks: PairTable;
  private readonly idByChars: Map<string, number>;
  private work = new Int32Array(256);
  private ranksBuf = new Int32Array(256);

  constructor(
    tokenBytes: (Uint8Array | undefined)[],
    merges: Int32Array,
    mergeResult: Int32Array,
    ignoreMerges = false,
  ) {
    this.tokenBytes = tokenBytes;
    const m = mergeResult.length;
    this.mergeLeft = new Int32Array(m);
    this.mergeRight = new Int32Array(m);
    this.mergeResult = mergeResult;
    this.ranks = new PairTable(m);
    for (let k = 0; k < m; k++) {
      const a = merges[2 * k];
      const b = merges[2 * k + 1];
      this.mergeLeft[k] = a;
      this.mergeRight[k] = b;
      // A duplicate merge keeps its first (lowest) rank, as Hugging Face does.
      if (this.ranks.get(a, b) < 0) this.ranks.set(a, b, k);
    }
    this.byteToId = new Int32Array(256).fill(-1);
    this.idByChars = new Map();
    for (let id = 0; id < tokenBytes.length; id++) {
      const t = tokenBytes[id];
      if (!t) continue;
      if (t.length === 1 && this.byteToId[t[0]] < 0) this.byteToId[t[0]] = id;
      this.idByChars.set(bytesToChars(t), id);
    }
    this.ignoreMerges = ignoreMerges;
  }

  /**
   * The vocabulary a trainer's merges define: `specials` reserved ids, the 256 bytes in
   * GPT-2's order, then merge k's result (firstId + k). When two merge paths spell the
   * same bytes ("ab"+"c" and "a"+"bc"), the later one reuses the first id, as Hugging
   * Face's trainer does, so the vocabulary has no duplicate token (and may end a few
   * ids short of the requested size).
   */
  static fromMerges(specials: number, merges: Int32Array): BpeModel {
    const tokenBytes: (Uint8Array | undefined)[] = new Array(specials).fill(undefined);
    for (const b of BYTE_ORDER) tokenBytes.push(Uint8Array.of(b));
    const firstId = tokenBytes.length;
    const m = merges.length / 2;
    const remap = new Int32Array(firstId + m);
    for (let i = 0; i < firstId; i++) remap[i] = i;
    const idOfBytes = new Map<string, number>();
    const pairs = new Int32Array(2 * m);
    const result = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      const a = remap[merges[2 * k]];
      const b = remap[merges[2 * k + 1]];
      const l = tokenBytes[a]!;
      const r = tokenBytes[b]!;
      const t = new Uint8Array(l.length + r.length);
      t.set(l);
      t.set(r, l.length);
      const key = Buffer.from(t.buffer, t.byteOffset, t.length).toString('latin1');
      let id = idOfBytes.get(key);
      if (id === undefined) {
        id = tokenBytes.push(t) - 1;
        idOfBytes.set(key, id);
      }
      remap[firstId + k] = id;
      pairs[2 * k] = a;
      pairs[2 * k + 1] = b;
      result[k] = id;
    }
    return new BpeModel(tokenBytes, pairs, result);
  }

  get size(): number {
    return this.tokenBytes.length;
  }

  get mergeCount(): number {
    return this.mergeResult.length;
  }

  /** Id of a token given in byte-level characters (vocabulary file form). */
  idOf(chars: string): number | undefined {
    return this.idByChars.get(chars);
  }

  /** Token in byte-level characters (vocabulary file form). */
  charsOf(id: number): string | undefined {
    const t = this.tokenBytes[id];
    return t ? bytesToChars(t) : undefined;
  }

  /** Rank of merging (a, b), or -1. */
  rank(a: number, b: number): number {
    return this.ranks.get(a, b);
  }

  /** Encodes one word given as UTF-8 bytes[0, len) and returns its ids. */
  encodeBytes(bytes: Uint8Array, len: number): number[] {
    const out = new Int32Array(len + 1);
    return Array.from(out.subarray(0, this.encodeBytesInto(bytes, len, out, 0)));
  }

  /** Encodes one word given as UTF-8 bytes[0, len) into out[at...] (room for len ids); returns the new end. */
  encodeBytesInto(bytes: Uint8Array, len: number, out: Int32Array, at: number): number {
    if (this.ignoreMerges) {
      const whole = this.idByChars.get(bytesToChars(bytes.subarray(0, len)));
      if (whole !== undefined) {
        out[at] = whole;
        return at + 1;
      }
    }
    if (this.work.length < len) {
      this.work = new Int32Array(len * 2);
      this.ranksBuf = new Int32Array(len * 2);
    }
    const sym = this.work;
    let n = 0;
    for (let i = 0; i < len; i++) {
      const id = this.byteToId[bytes[i]];
      if (id >= 0) sym[n++] = id;
    }
    n = n > 96 ? this.mergeLong(sym, n) : this.mergeShort(sym, n);
    for (let i = 0; i < n; i++) out[at + i] = sym[i];
    return at + n;
  }

  /** O(n²) merge loop over a compact array: fastest for ordinary words. */
  private mergeShort(sym: Int32Array, n: number): number {
    const ranks = this.ranksBuf;
    const NONE = 0x7fffffff;
    for (let i = 0; i + 1 < n; i++) {
      const r = this.ranks.get(sym[i], sym[i + 1]);
      ranks[i] = r < 0 ? NONE : r;
    }
    while (n > 1) {
      let best = NONE;
      let at = -1;
      for (let i = 0; i + 1 < n; i++) {
        if (ranks[i] < best) {
          best = ranks[i];
          at = i;
        }
      }
      if (at < 0) break;
      sym[at] = this.mergeResult[best];
      for (let i = at + 1; i + 1 < n; i++) {
        sym[i] = sym[i + 1];
        ranks[i] = ranks[i + 1];
      }
      n--;
      if (at > 0) {
        const r = this.ranks.get(sym[at - 1], sym[at]);
        ranks[at - 1] = r < 0 ? NONE : r;
      }
      if (at + 1 < n) {
        const r = this.ranks.get(sym[at], sym[at + 1]);
        ranks[at] = r < 0 ? NONE : r;
      }
    }
    return n;
  }

  /** Linked list + min-heap of (rank, position) with lazy deletion: O(n log n) for long words. */
  private mergeLong(sym: Int32Array, n: number): number {
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new MinHeap(n);
    for (let i = 0; i + 1 < n; i++) {
      const r = this.ranks.get(sym[i], sym[i + 1]);
      if (r >= 0) heap.push(r, i);
    }
    while (heap.size > 0) {
      const r = heap.topRank();
      const p = heap.topPos();
      heap.pop();
      const q = next[p];
      if (sym[p] < 0 || q < 0 || this.ranks.get(sym[p], sym[q]) !== r) continue;
      sym[p] = this.mergeResult[r];
      sym[q] = -1;
      const y = next[q];
      next[p] = y;
      if (y >= 0) prev[y] = p;
      const x = prev[p];
      if (x >= 0) {
        const rx = this.ranks.get(sym[x], sym[p]);
        if (rx >= 0) heap.push(rx, x);
      }
      if (y >= 0) {
        const ry = this.ranks.get(sym[p], sym[y]);
        if (ry >= 0) heap.push(ry, p);
      }
    }
    let m = 0;
    for (let i = 0; i >= 0; i = next[i]) sym[m++] = sym[i];
    return m;
  }

  /** Parses a token written in byte-level characters; throws naming the token when it is not. */
  static parseChars(chars: string, where: string): Uint8Array {
    const bytes = charsToBytes(chars);
    if (!bytes)
      throw new Error(
        `${where}: token ${JSON.stringify(chars)} is not in byte-level form (GPT-2 byte-to-unicode characters)`,
      );
    return bytes;
  }
}

/** Min-heap of (rank, position): lower rank first, then the leftmost position. */
class MinHeap {
  private r: Int32Array;
  private p: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.r = new Int32Array(capacity * 2 + 4);
    this.p = new Int32Array(capacity * 2 + 4);
  }
  topRank(): number {
    return this.r[0];
  }
  topPos(): number {
    return this.p[0];
  }
  private less(i: number, j: number): boolean {
    return this.r[i] !== this.r[j] ? this.r[i] < this.r[j] : this.p[i] < this.p[j];
  }
  private swap(i: number, j: number): void {
    let t = this.r[i];
    this.r[i] = this.r[j];
    this.r[j] = t;
    t = this.p[i];
    this.p[i] = this.p[j];
    this.p[j] = t;
  }
  push(rank: number, pos: number): void {
    if (this.size === this.r.length) {
      const r = new Int32Array(this.size * 2);
      r.set(this.r);
      this.r = r;
      const p = new Int32Array(this.size * 2);
      p.set(this.p);
      this.p = p;
    }
    let i = this.size++;
    this.r[i] = rank;
    this.p[i] = pos;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.less(i, up)) break;
      this.swap(i, up);
      i = up;
    }
  }
  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.r[0] = this.r[last];
    this.p[0] = this.p[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const rr = l + 1;
      const best = rr < last && this.less(rr, l) ? rr : l;
      if (!this.less(best, i)) break;
      this.swap(i, best);
      i = best;
    }
  }
}
