import { combine32, fmix32 } from '../src/util/hash.js';

/** The LSH index as it was before the buckets and signatures moved: in-memory chains, newest first. */
export class ReferenceLsh {
  private readonly buckets = new Map<number, number[]>();
  private readonly signatures: Uint16Array[] = [];
  constructor(
    private readonly bands: number,
    private readonly rows: number,
    private readonly threshold: number,
    private readonly maxCandidates: number,
  ) {}
  matchOrAdd(signature: Uint32Array): { index: number; similarity: number } | undefined {
    const keys = [];
    for (let band = 0; band < this.bands; band++) {
      let h = fmix32(band + 1);
      for (let r = band * this.rows; r < (band + 1) * this.rows; r++) h = combine32(h, signature[r]);
      keys.push(fmix32(h));
    }
    const checked = new Set<number>();
    for (const key of keys) {
      for (const doc of (this.buckets.get(key) ?? []).slice(0, this.maxCandidates)) {
        if (checked.has(doc)) continue;
        checked.add(doc);
        const stored = this.signatures[doc];
        let same = 0;
        for (let i = 0; i < signature.length; i++) if ((signature[i] & 0xffff) === stored[i]) same++;
        const similarity = Math.max(0, (same / signature.length - 1 / 65536) / (1 - 1 / 65536));
        if (similarity >= this.threshold) return { index: doc, similarity };
      }
    }
    const doc = this.signatures.length;
    this.signatures.push(Uint16Array.from(signature, (v) => v & 0xffff));
    for (const key of keys) this.buckets.set(key, [doc, ...(this.buckets.get(key) ?? [])]);
    return undefined;
  }
}
