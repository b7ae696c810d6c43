/**
 * A reusable open-addressing table from 32-bit n-gram hashes to (first position,
 * count), cleared in O(1) by bumping a generation stamp. The repetition rules
 * run it six to nine times per document, where a JS Map was the main cost.
 */
export class NgramTable {
  keys = new Uint32Array(0);
  first = new Int32Array(0);
  counts = new Uint32Array(0);
  private stamps = new Uint32Array(0);
  private generation = 0;
  private mask = 0;

  /** Empties the table and makes room for `entries` distinct keys. */
  reset(entries: number): void {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, entries * 2)));
    if (size > this.keys.length) {
      this.keys = new Uint32Array(size);
      this.first = new Int32Array(size);
      this.counts = new Uint32Array(size);
      this.stamps = new Uint32Array(size);
      this.generation = 0;
    }
    this.mask = this.keys.length - 1;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** The slot of `key`, inserting it (first = position, count = 0) when new. */
  slot(key: number, position: number): number {
    let s = key & this.mask;
    for (;;) {
      if (this.stamps[s] !== this.generation) {
        this.stamps[s] = this.generation;
        this.keys[s] = key;
        this.first[s] = position;
        this.counts[s] = 0;
        return s;
      }
      if (this.keys[s] === key) return s;
      s = (s + 1) & this.mask;
    }
  }
}
