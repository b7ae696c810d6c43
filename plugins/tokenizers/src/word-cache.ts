/**
 * A cache from pre-tokenized word to its ids, keyed by the characters of a text
 * range: no substring, no JS string hashing, no per-entry objects. Entries are
 * never evicted; once the pools are full new words are simply not cached, so memory
 * is bounded and speed never degrades (a Map cache that grows without bound is what
 * slows some JS encoders down far more than linearly on Chinese).
 */
export class WordCache {
  private slots: Int32Array;
  private mask: number;
  private hashes: Int32Array;
  private charStart: Int32Array;
  private charLen: Int32Array;
  private idStart: Int32Array;
  private idLen: Int32Array;
  private chars: Uint16Array;
  private idPool: Int32Array;
  private entries = 0;
  private charsUsed = 0;
  private idsUsed = 0;

  constructor(
    private readonly maxEntries = 1 << 17,
    private readonly maxChars = 1 << 21,
  ) {
    const cap = 1 << Math.ceil(Math.log2(maxEntries * 2));
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.hashes = new Int32Array(maxEntries);
    this.charStart = new Int32Array(maxEntries);
    this.charLen = new Int32Array(maxEntries);
    this.idStart = new Int32Array(maxEntries);
    this.idLen = new Int32Array(maxEntries);
    this.chars = new Uint16Array(1 << 14);
    this.idPool = new Int32Array(1 << 14);
  }

  static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  /** Entry of text[start, end) with hash h, or -1. */
  find(text: string, start: number, end: number, h: number): number {
    const len = end - start;
    let s = h & this.mask;
    for (;;) {
      const e = this.slots[s];
      if (e < 0) return -1;
      if (this.hashes[e] === h && this.charLen[e] === len) {
        const at = this.charStart[e];
        let i = 0;
        while (i < len && this.chars[at + i] === text.charCodeAt(start + i)) i++;
        if (i === len) return e;
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Appends the ids of entry e to out at position at; returns the new position. */
  copyIds(e: number, out: Int32Array, at: number): number {
    const s = this.idStart[e];
    const n = this.idLen[e];
    const pool = this.idPool;
    for (let i = 0; i < n; i++) out[at + i] = pool[s + i];
    return at + n;
  }

  idCount(e: number): number {
    return this.idLen[e];
  }

  /** Caches ids[from, to) for text[start, end) when there is room. */
  add(text: string, start: number, end: number, h: number, ids: Int32Array, from: number, to: number): void {
    const len = end - start;
    const count = to - from;
    if (this.entries >= this.maxEntries || this.charsUsed + len > this.maxChars || this.idsUsed + count > this.maxChars)
      return;
    if (this.charsUsed + len > this.chars.length) {
      const grown = new Uint16Array(Math.min(this.maxChars, this.chars.length * 2));
      grown.set(this.chars.subarray(0, this.charsUsed));
      this.chars = grown;
    }
    if (this.idsUsed + count > this.idPool.length) {
      const grown = new Int32Array(Math.min(this.maxChars, this.idPool.length * 2));
      grown.set(this.idPool.subarray(0, this.idsUsed));
      this.idPool = grown;
    }
    const e = this.entries++;
    this.hashes[e] = h;
    this.charStart[e] = this.charsUsed;
    this.charLen[e] = len;
    for (let i = 0; i < len; i++) this.chars[this.charsUsed + i] = text.charCodeAt(start + i);
    this.charsUsed += len;
    this.idStart[e] = this.idsUsed;
    this.idLen[e] = count;
    for (let i = 0; i < count; i++) this.idPool[this.idsUsed + i] = ids[from + i];
    this.idsUsed += count;
    let s = h & this.mask;
    while (this.slots[s] >= 0) s = (s + 1) & this.mask;
    this.slots[s] = e;
  }
}
