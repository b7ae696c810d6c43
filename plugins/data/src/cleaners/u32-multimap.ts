import { U32Table } from './u32-table.js';

/**
 * A hash multimap from 32-bit keys to distinct u32 values: one table maps each
 * key to its newest value, a second maps a value to the one added before it
 * under the same key, only where there is one. LSH buckets live here: nearly
 * every band key is unique, so an entry costs one table slot (13–17 bytes),
 * against a JS Map's few dozen and the ~25 of a key table plus value chains.
 */
export class U32MultiMap {
  private readonly heads: U32Table; // key → 1 + newest value
  private readonly previous = new U32Table(); // value → 1 + the value added before it under its key
  private count = 0;

  constructor(capacity = 0) {
    this.heads = new U32Table(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes of typed arrays held. */
  get byteLength(): number {
    return this.heads.byteLength + this.previous.byteLength;
  }

  /** Adds `value` under `key`; values must be distinct across the map, in [0, 2³² − 1). */
  add(key: number, value: number): void {
    if (!(value >= 0 && value < 0xffffffff && Number.isInteger(value))) {
      throw new Error(`U32MultiMap: value must be an integer in [0, 2^32 - 1), got ${value}`);
    }
    const head = this.heads.swap(key, value + 1);
    if (head !== 0) this.previous.add(value, head);
    this.count++;
  }

  /** Appends to `out` the values under `key`, newest first, at most `limit` of them (no callback: this runs per band per document). */
  collect(key: number, out: number[], limit = Infinity): void {
    let e = this.heads.get(key);
    for (let n = 0; e !== 0 && n < limit; n++) {
      out.push(e - 1);
      e = this.previous.get(e - 1);
    }
  }

  /** Calls `visit` on the values under `key`, newest first, at most `limit` of them; stops when it returns true. */
  forEach(key: number, visit: (value: number) => boolean | void, limit = Infinity): void {
    const values: number[] = [];
    this.collect(key, values, limit);
    for (const value of values) if (visit(value) === true) return;
  }
}
