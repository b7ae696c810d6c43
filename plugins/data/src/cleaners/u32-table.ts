import { fmix32 } from '../util/hash.js';

/** Shards by the top bits of the mixed key, so that growing one copies only 1/64 of the table. */
const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
/**
 * Linear probing stays short up to here: a miss (every new LSH band key is one) reads about 3.6
 * slots at 0.6, against 13 at 0.8, and the LSH decisions run on the coordinator, in input order.
 */
const MAX_LOAD = 0.6;
/** Grown by a quarter, not doubled: load stays in [0.48, 0.6], so 13.3–16.7 bytes per entry. */
const GROWTH = 1.25;
const MIN_SHARD_SLOTS = 8;

/**
 * An open-addressing hash table of (u32 key, nonzero u32 value) pairs on typed
 * arrays: 8 bytes a slot, keys and values interleaved so a probe reads one cache
 * line. A key may hold several entries (`add`); `get`/`set` treat the first
 * one found as the key's. Slot counts are not powers of two (a slot is chosen by
 * multiply-and-shift), so the table grows in 25% steps, one shard at a time.
 */
export class U32Table {
  private readonly shards: Uint32Array[] = [];
  private readonly used = new Uint32Array(SHARDS);
  private count = 0;

  constructor(capacity = 0) {
    const slots = Math.max(MIN_SHARD_SLOTS, Math.ceil(capacity / SHARDS / MAX_LOAD));
    for (let s = 0; s < SHARDS; s++) this.shards.push(new Uint32Array(slots * 2));
  }

  /** Entries stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes of typed arrays held. */
  get byteLength(): number {
    let n = this.used.byteLength;
    for (const shard of this.shards) n += shard.byteLength;
    return n;
  }

  /** The value of the first entry under `key`, or 0 when there is none. */
  get(key: number): number {
    const h = fmix32(key);
    const shard = this.shards[h >>> (32 - SHARD_BITS)];
    const i = this.find(shard, h, key >>> 0);
    return shard[i + 1];
  }

  /** Replaces the value of the first entry under `key`, or adds one. */
  set(key: number, value: number): void {
    this.swap(key, value);
  }

  /** Sets the value of the first entry under `key` (adding one when there is none), in one probe; returns the old value or 0. */
  swap(key: number, value: number): number {
    if (value === 0 || value !== value >>> 0) throw new Error(`U32Table: value must be a nonzero u32, got ${value}`);
    const h = fmix32(key);
    const s = h >>> (32 - SHARD_BITS);
    if ((this.used[s] + 1) * 2 > this.shards[s].length * MAX_LOAD) this.grow(s);
    const shard = this.shards[s];
    const i = this.find(shard, h, key >>> 0);
    const old = shard[i + 1];
    if (old === 0) {
      shard[i] = key;
      this.used[s]++;
      this.count++;
    }
    shard[i + 1] = value;
    return old;
  }

  /** Adds an entry, even when `key` already has some. */
  add(key: number, value: number): void {
    if (value === 0 || value !== value >>> 0) throw new Error(`U32Table: value must be a nonzero u32, got ${value}`);
    const h = fmix32(key);
    const s = h >>> (32 - SHARD_BITS);
    if ((this.used[s] + 1) * 2 > this.shards[s].length * MAX_LOAD) this.grow(s);
    const shard = this.shards[s];
    let i = this.home(shard, h);
    while (shard[i + 1] !== 0) i = i + 2 === shard.length ? 0 : i + 2;
    shard[i] = key;
    shard[i + 1] = value;
    this.used[s]++;
    this.count++;
  }

  /** Calls `visit` with the value of every entry under `key` (in no set order); stops when it returns true. */
  forEach(key: number, visit: (value: number) => boolean | void): void {
    key >>>= 0;
    const h = fmix32(key);
    const shard = this.shards[h >>> (32 - SHARD_BITS)];
    for (let i = this.home(shard, h); shard[i + 1] !== 0; i = i + 2 === shard.length ? 0 : i + 2) {
      if (shard[i] === key && visit(shard[i + 1]) === true) return;
    }
  }

  /** Index of the first entry under `key`, or of the empty slot that ends its probe run. */
  private find(shard: Uint32Array, h: number, key: number): number {
    let i = this.home(shard, h);
    while (shard[i + 1] !== 0 && shard[i] !== key) i = i + 2 === shard.length ? 0 : i + 2;
    return i;
  }

  /** The key's first slot: the hash bits below the shard's, scaled to the slot count. */
  private home(shard: Uint32Array, h: number): number {
    const below = (h << SHARD_BITS) >>> 0;
    return Math.floor((below * (shard.length >>> 1)) / 4294967296) * 2;
  }

  private grow(s: number): void {
    const old = this.shards[s];
    const slots = old.length >>> 1;
    const shard = new Uint32Array(Math.max(slots + 1, Math.ceil(slots * GROWTH)) * 2);
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let i = this.home(shard, fmix32(old[j]));
      while (shard[i + 1] !== 0) i = i + 2 === shard.length ? 0 : i + 2;
      shard[i] = old[j];
      shard[i + 1] = old[j + 1];
    }
    this.shards[s] = shard;
  }
}
