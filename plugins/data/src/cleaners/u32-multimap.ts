/**
 * A hash multimap from 32-bit keys to int32 values on typed arrays: open
 * addressing for keys, with each key heading a chain of values linked through a
 * growable `next` array. LSH buckets live here, so memory per entry is a few
 * bytes instead of a JS Map's few dozen.
 */
export class U32MultiMap {
  private keys: Uint32Array;
  private heads: Int32Array; // 1 + index into values of the newest entry; 0 = empty slot
  private values = new Int32Array(1024);
  private next = new Int32Array(1024); // 1 + index of the previous entry with the same key; 0 = end
  private used = 0;
  private count = 0;

  constructor(capacity = 1024) {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, (capacity * 4) / 3)));
    this.keys = new Uint32Array(size);
    this.heads = new Int32Array(size);
  }

  get size(): number {
    return this.count;
  }

  add(key: number, value: number): void {
    if ((this.used + 1) * 4 > this.keys.length * 3) this.rehash(); // load ≤ 0.75: linear probing stays short
    const slot = this.find(key);
    if (this.heads[slot] === 0) {
      this.keys[slot] = key >>> 0;
      this.used++;
    }
    if (this.count === this.values.length) {
      this.values = grow(this.values);
      this.next = grow(this.next);
    }
    this.values[this.count] = value;
    this.next[this.count] = this.heads[slot];
    this.heads[slot] = ++this.count;
  }

  /** Calls `visit` on the values under `key`, newest first, at most `limit` of them; stops when it returns true. */
  forEach(key: number, visit: (value: number) => boolean | void, limit = Infinity): void {
    let e = this.heads[this.find(key)];
    for (let n = 0; e !== 0 && n < limit; n++) {
      if (visit(this.values[e - 1]) === true) return;
      e = this.next[e - 1];
    }
  }

  private find(key: number): number {
    key >>>= 0; // compare as stored: keys are unsigned 32-bit
    const mask = this.keys.length - 1;
    let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    while (this.heads[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    this.keys = new Uint32Array(oldKeys.length * 2);
    this.heads = new Int32Array(oldKeys.length * 2);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldHeads[i] === 0) continue;
      const slot = this.find(oldKeys[i]);
      this.keys[slot] = oldKeys[i];
      this.heads[slot] = oldHeads[i];
    }
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
