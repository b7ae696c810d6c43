/**
 * The heart of BPE training: learn merges over counted words.
 *
 * Input is every distinct word once, as symbol ids, with its count (never the raw
 * text). All words live in flat typed arrays with a doubly linked list per word, so a
 * merge rewrites symbols in place. Each pair keeps the list of positions where it
 * starts; a pair's positions are all known the moment its newer symbol is created
 * (adjacency only changes at a merge, and then only next to the new symbol), so the
 * lists are written once, contiguously, into an append-only pool, and never rescanned.
 * Pair counts are updated incrementally around each merged position, and a max-heap
 * with lazy invalidation picks the next pair: O(total positions + work per merge).
 *
 * Memory is ~30 bytes per symbol position of the distinct words; the word-length cap
 * of the trainers bounds it on text without spaces.
 */

import { PairTable } from './pair-table.js';

export interface WordTable {
  /** Symbols of all distinct words, concatenated. */
  symbols: Int32Array;
  /** Word w is symbols[starts[w], starts[w + 1]); length is words + 1. */
  starts: Int32Array;
  /** How often each word occurs. */
  counts: Int32Array;
}

export interface LearnOptions {
  /** Stop after this many merges. */
  maxMerges: number;
  /** Stop when the most frequent pair occurs fewer times than this (default 2). */
  minFrequency?: number;
  /** Id given to the first new symbol; merge k creates firstId + k. */
  firstId: number;
  /** Called every ~1% of maxMerges with the merges done so far. */
  onProgress?(merges: number): void;
  signal?: AbortSignal;
}

/** Learned merges: merge k joins pairs[2k] and pairs[2k+1] into firstId + k. */
export function learnMerges(words: WordTable, options: LearnOptions): Int32Array {
  const { maxMerges, firstId } = options;
  const minFrequency = Math.max(1, options.minFrequency ?? 2);
  const n = words.symbols.length;
  // One record per symbol position, [symbol, next, prev, word count], interleaved so that
  // visiting a position touches one cache line instead of four arrays (the merge loop is
  // bound by these random accesses). Removed positions get symbol -1; list ends are -1.
  const node = new Int32Array(4 * n);
  const nWords = words.starts.length - 1;
  for (let w = 0; w < nWords; w++) {
    const s = words.starts[w];
    const e = words.starts[w + 1];
    for (let p = s; p < e; p++) {
      node[4 * p] = words.symbols[p];
      node[4 * p + 1] = p + 1 < e ? p + 1 : -1;
      node[4 * p + 2] = p > s ? p - 1 : -1;
      node[4 * p + 3] = words.counts[w];
    }
  }

  const pairs = new PairState(Math.max(1024, n >> 4));
  // Initial pairs: count them, then lay out each pair's positions contiguously.
  let pidAt = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const q = node[4 * p + 1];
    if (q < 0) continue;
    const pid = pairs.id(node[4 * p], node[4 * q]);
    pidAt[p] = pid;
    pairs.count[pid] += node[4 * p + 3];
    pairs.occLen[pid]++;
  }
  const pool = new OccurrencePool(n + (n >> 1) + 1024);
  pool.reserveSegments(pairs, 0, pairs.size);
  for (let p = 0; p < n; p++) if (node[4 * p + 1] >= 0) pool.place(pairs, pidAt[p], p);
  pidAt = new Int32Array(0); // let the collector have it during the merge loop

  const heap = new PairHeap(pairs);
  for (let pid = 0; pid < pairs.size; pid++) if (pairs.count[pid] >= minFrequency) heap.push(pid, pairs.count[pid]);

  const merges = new Int32Array(2 * maxMerges);
  const fresh = new GrowableInt32(1024); // (pid, position) of pairs created by this merge
  const progressEvery = Math.max(1, Math.floor(maxMerges / 100));
  let done = 0;
  while (done < maxMerges && heap.size > 0) {
    const pid = heap.topPair();
    const key = heap.topCount();
    heap.pop();
    const real = pairs.count[pid];
    if (real !== key) {
      if (real >= minFrequency) heap.push(pid, real);
      continue;
    }
    const a = pairs.a[pid];
    const b = pairs.b[pid];
    const c = firstId + done;
    merges[2 * done] = a;
    merges[2 * done + 1] = b;
    fresh.length = 0;
    const firstFresh = pairs.size;
    const segEnd = pairs.occStart[pid] + pairs.occLen[pid];
    for (let k = pairs.occStart[pid]; k < segEnd; k++) {
      const p = pool.data[k];
      const np = 4 * p;
      if (node[np] !== a) continue;
      const q = node[np + 1];
      if (q < 0 || node[4 * q] !== b) continue;
      const w = node[np + 3];
      const x = node[np + 2];
      const y = node[4 * q + 1];
      if (x >= 0) {
        const sx = node[4 * x];
        pairs.count[pairs.existing(sx, a)] -= w;
        const nx = pairs.id(sx, c);
        pairs.count[nx] += w;
        fresh.push2(nx, x);
      }
      if (y >= 0) {
        const sy = node[4 * y];
        pairs.count[pairs.existing(b, sy)] -= w;
        const ny = pairs.id(c, sy);
        pairs.count[ny] += w;
        fresh.push2(ny, p);
      }
      node[np] = c;
      node[4 * q] = -1;
      node[np + 1] = y;
      if (y >= 0) node[4 * y + 2] = p;
    }
    pairs.count[pid] = 0;
    // Positions of the new pairs, grouped by pair, in ascending position order.
    for (let i = 0; i < fresh.length; i += 2) pairs.occLen[fresh.data[i]]++;
    pool.reserveSegments(pairs, firstFresh, pairs.size);
    for (let i = 0; i < fresh.length; i += 2) pool.place(pairs, fresh.data[i], fresh.data[i + 1]);
    for (let q = firstFresh; q < pairs.size; q++) if (pairs.count[q] >= minFrequency) heap.push(q, pairs.count[q]);
    done++;
    if (done % progressEvery === 0) {
      options.onProgress?.(done);
      if (options.signal?.aborted) break;
    }
  }
  return merges.subarray(0, 2 * done);
}

class GrowableInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }
  push2(x: number, y: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = x;
    this.data[this.length++] = y;
  }
}

/** Every pair seen: its symbols, live count and where its positions sit in the pool. */
class PairState {
  private table: PairTable;
  a: Int32Array;
  b: Int32Array;
  count: Float64Array;
  occStart: Int32Array;
  occLen: Int32Array;
  /** Fill cursor per pair while its segment is being written. */
  fill: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.table = new PairTable(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.count = new Float64Array(capacity);
    this.occStart = new Int32Array(capacity);
    this.occLen = new Int32Array(capacity);
    this.fill = new Int32Array(capacity);
  }

  /** Id of pair (a, b), created when new. */
  id(a: number, b: number): number {
    const found = this.table.get(a, b);
    if (found >= 0) return found;
    if (this.size === this.a.length) this.grow();
    const pid = this.size++;
    this.a[pid] = a;
    this.b[pid] = b;
    this.table.set(a, b, pid);
    return pid;
  }

  /** Id of a pair known to exist. */
  existing(a: number, b: number): number {
    return this.table.get(a, b);
  }

  private grow(): void {
    const cap = this.a.length * 2;
    const g32 = (x: Int32Array): Int32Array => {
      const y = new Int32Array(cap);
      y.set(x);
      return y;
    };
    this.a = g32(this.a);
    this.b = g32(this.b);
    this.occStart = g32(this.occStart);
    this.occLen = g32(this.occLen);
    this.fill = g32(this.fill);
    const c = new Float64Array(cap);
    c.set(this.count);
    this.count = c;
  }
}

/** Append-only storage of pair positions, one contiguous segment per pair. */
class OccurrencePool {
  data: Int32Array;
  used = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }

  /** Gives pairs [from, to) segments sized by their occLen. */
  reserveSegments(pairs: PairState, from: number, to: number): void {
    let total = 0;
    for (let pid = from; pid < to; pid++) total += pairs.occLen[pid];
    if (this.used + total > this.data.length) {
      const grown = new Int32Array(Math.max(this.used + total, Math.floor(this.data.length * 1.5)));
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    for (let pid = from; pid < to; pid++) {
      pairs.occStart[pid] = this.used;
      pairs.fill[pid] = this.used;
      this.used += pairs.occLen[pid];
    }
  }

  place(pairs: PairState, pid: number, position: number): void {
    this.data[pairs.fill[pid]++] = position;
  }
}

/** Max-heap of (pair, count); ties go to the smaller pair (a, then b) so results are deterministic. */
class PairHeap {
  private pid = new Int32Array(1024);
  private key = new Float64Array(1024);
  size = 0;
  constructor(private readonly pairs: PairState) {}

  topPair(): number {
    return this.pid[0];
  }
  topCount(): number {
    return this.key[0];
  }

  private above(i: number, j: number): boolean {
    const ki = this.key[i];
    const kj = this.key[j];
    if (ki !== kj) return ki > kj;
    const pi = this.pid[i];
    const pj = this.pid[j];
    const { a, b } = this.pairs;
    return a[pi] !== a[pj] ? a[pi] < a[pj] : b[pi] < b[pj];
  }

  private swap(i: number, j: number): void {
    const p = this.pid[i];
    this.pid[i] = this.pid[j];
    this.pid[j] = p;
    const k = this.key[i];
    this.key[i] = this.key[j];
    this.key[j] = k;
  }

  push(pid: number, count: number): void {
    if (this.size === this.pid.length) {
      const p = new Int32Array(this.size * 2);
      p.set(this.pid);
      this.pid = p;
      const k = new Float64Array(this.size * 2);
      k.set(this.key);
      this.key = k;
    }
    let i = this.size++;
    this.pid[i] = pid;
    this.key[i] = count;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.pid[0] = this.pid[last];
    this.key[0] = this.key[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const best = r < last && this.above(r, l) ? r : l;
      if (!this.above(best, i)) break;
      this.swap(i, best);
      i = best;
    }
  }
}
