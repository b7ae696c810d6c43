import { combine32, fmix32 } from '../util/hash.js';
import { SpillFile, type SpillFileOptions } from '../util/spill-file.js';
import { U32MultiMap } from './u32-multimap.js';

export interface LshOptions {
  permutations: number;
  /** Bands; permutations / bands rows each. More bands catch lower similarities. */
  bands: number;
  /** Estimated Jaccard at or above which a candidate counts as a duplicate. */
  threshold: number;
  /** Candidates checked per band bucket (bounds time on very common buckets; default 64). */
  maxCandidates?: number;
  /** Where the kept signatures are spilled (a temporary file, unlinked at once). */
  spill?: SpillFileOptions;
}

/**
 * Banded LSH over MinHash signatures, with each candidate verified on its full
 * signature so a chance band collision never removes a document. Only kept
 * documents are indexed. Memory per kept document: one bucket entry per band
 * (13–17 bytes). The signature, kept at 16 bits a value (256 bytes for 128
 * permutations; two 16-bit values agree by chance once in 65 536, which the
 * estimate corrects for), goes to a SpillFile: it is read back only for a
 * candidate, which a band collision makes rare.
 */
export class LshIndex {
  readonly rows: number;
  private readonly buckets = new U32MultiMap();
  private readonly signatures: SpillFile;
  /** One band's bucket entries, reused. */
  private readonly entries: number[] = [];
  /** One signature at 16 bits a value, as written and as read back. */
  private readonly stored: Uint16Array;
  private readonly storedBytes: Uint8Array;
  private count = 0;

  constructor(private readonly options: LshOptions) {
    const { permutations, bands, threshold } = options;
    if (!Number.isInteger(bands) || bands < 1 || permutations % bands !== 0) {
      throw new Error(`minhash: 'bands' (${bands}) must divide 'permutations' (${permutations})`);
    }
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`minhash: 'threshold' must be in (0, 1], got ${threshold}`);
    this.rows = permutations / bands;
    this.signatures = new SpillFile(options.spill);
    this.stored = new Uint16Array(permutations);
    this.storedBytes = new Uint8Array(this.stored.buffer);
  }

  get threshold(): number {
    return this.options.threshold;
  }

  /** Documents indexed so far. */
  get size(): number {
    return this.count;
  }

  /** Bytes held in memory: the band buckets (the signatures are on disk). */
  get byteLength(): number {
    return this.buckets.byteLength;
  }

  /** Releases the spilled signatures; the index cannot be used after. */
  close(): void {
    this.signatures.close();
  }

  /** Probability that a pair with Jaccard s becomes a candidate: 1 − (1 − s^r)^b. */
  candidateProbability(s: number): number {
    return 1 - (1 - s ** this.rows) ** this.options.bands;
  }

  /**
   * The index of an indexed document that `signature` duplicates, with its
   * estimated similarity; otherwise indexes the signature and returns undefined.
   */
  matchOrAdd(signature: Uint32Array): { index: number; similarity: number } | undefined {
    const P = this.options.permutations;
    if (signature.length !== P) throw new Error(`minhash: signature has ${signature.length} values, expected ${P}`);
    const keys = this.bandKeys(signature);
    const bands = keys.length;
    const limit = this.options.maxCandidates ?? 64;
    let checked: Set<number> | undefined; // documents compared already (made only when there is a candidate: rare)
    const entries = this.entries;
    for (let band = 0; band < bands; band++) {
      entries.length = 0;
      this.buckets.collect(keys[band], entries, limit);
      for (const entry of entries) {
        const doc = Math.floor(entry / bands);
        checked ??= new Set();
        if (checked.has(doc)) continue;
        checked.add(doc);
        const similarity = this.similarity(signature, doc);
        if (similarity >= this.options.threshold) return { index: doc, similarity };
      }
    }
    // A bucket entry is doc × bands + band: distinct, as the multimap needs, even where two bands' keys collide.
    if ((this.count + 1) * bands >= 0xffffffff) throw new Error(`minhash: more than ${this.count} documents to index`);
    const doc = this.count++;
    for (let i = 0; i < P; i++) this.stored[i] = signature[i] & 0xffff;
    this.signatures.append(this.storedBytes);
    for (let band = 0; band < bands; band++) this.buckets.add(keys[band], doc * bands + band);
    return undefined;
  }

  /** Estimated Jaccard between a full signature and an indexed document's 16-bit one, corrected for chance agreement. */
  private similarity(signature: Uint32Array, doc: number): number {
    const P = this.options.permutations;
    const stored = this.stored;
    this.signatures.read(doc * this.storedBytes.length, this.storedBytes);
    let same = 0;
    for (let i = 0; i < P; i++) if ((signature[i] & 0xffff) === stored[i]) same++;
    const chance = 1 / 65536;
    return Math.max(0, (same / P - chance) / (1 - chance));
  }

  /** One key per band; the band number is mixed in, so all bands share one table. */
  private bandKeys(signature: Uint32Array): Uint32Array {
    const keys = new Uint32Array(this.options.bands);
    for (let band = 0; band < keys.length; band++) {
      let h = fmix32(band + 1);
      for (let r = band * this.rows; r < (band + 1) * this.rows; r++) h = combine32(h, signature[r]);
      keys[band] = fmix32(h);
    }
    return keys;
  }
}
