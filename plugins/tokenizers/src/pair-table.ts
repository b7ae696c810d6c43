/**
 * A hash table from a pair of non-negative int32 (a, b) to an int32 value, with
 * open addressing in typed arrays: no boxed keys, no per-entry garbage. Used for
 * merge ranks when encoding and for pair ids when training.
 */
export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    let i = h & this.mask;
    const ka = this.keysA;
    while (ka[i] !== -1 && (ka[i] !== a || this.keysB[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  /** The value for (a, b), or -1. */
  get(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.keysA[i] === -1 ? -1 : this.values[i];
  }

  set(a: number, b: number, value: number): void {
    const i = this.slot(a, b);
    if (this.keysA[i] === -1) {
      this.keysA[i] = a;
      this.keysB[i] = b;
      if (++this.size * 2 > this.mask) {
        this.values[i] = value;
        this.grow();
        return;
      }
    }
    this.values[i] = value;
  }

  /** The value for (a, b); when absent, stores and returns create(). */
  getOrAdd(a: number, b: number, create: () => number): number {
    const i = this.slot(a, b);
    if (this.keysA[i] !== -1) return this.values[i];
    const v = create();
    this.set(a, b, v);
    return v;
  }

  private grow(): void {
    const { keysA, keysB, values } = this;
    const cap = keysA.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < keysA.length; i++) {
      if (keysA[i] === -1) continue;
      const j = this.slot(keysA[i], keysB[i]);
      this.keysA[j] = keysA[i];
      this.keysB[j] = keysB[i];
      this.values[j] = values[i];
    }
  }
}
