import { combine32, fmix32 } from '../util/hash.js';
import { U32MultiMap } from './u32-multimap.js';
import { estimateJaccard } from './minhash.js';

export interface LshOptions {
  permutations: number;
  /** Bands; permutations / bands rows each. More bands catch lower similarities. */
  bands: number;
  /** Estimated Jaccard at or above which a candidate counts as a duplicate. */
  threshold: number;
  /** Candidates checked per band bucket (bounds time on very common buckets; default 64). */
  maxCandidates?: number;
}

/**
 * Banded LSH over MinHash signatures, with each candidate verified on its full
 * signature so a chance band collision never removes a document. Only kept
 * documents are indexed: memory is one signature plus one bucket entry per band
 * per kept document.
 */
export class LshIndex {
  readonly rows: number;
  private readonly tables: U32MultiMap[];
  private signatures = new Uint32Array(0);
  private count = 0;

  constructor(private readonly options: LshOptions) {
    const { permutations, bands, threshold } = options;
    if (!Number.isInteger(bands) || bands < 1 || permutations % bands !== 0) {
      throw new Error(`minhash: 'bands' (${bands}) must divide 'permutations' (${permutations})`);
    }
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`minhash: 'threshold' must be in (0, 1], got ${threshold}`);
    this.rows = permutations / bands;
    this.tables = Array.from({ length: bands }, () => new U32MultiMap());
  }

  get threshold(): number {
    return this.options.threshold;
  }

  /** Documents indexed so far. */
  get size(): number {
    return this.count;
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
    let best: { index: number; similarity: number } | undefined;
    const checked = new Set<number>();
    for (let band = 0; band < keys.length && !best; band++) {
      this.tables[band].forEach(
        keys[band],
        (doc) => {
          if (checked.has(doc)) return false;
          checked.add(doc);
          const sim = estimateJaccard(signature, this.signatures.subarray(doc * P, doc * P + P));
          if (sim >= this.options.threshold) best = { index: doc, similarity: sim };
          return best !== undefined;
        },
        this.options.maxCandidates ?? 64,
      );
    }
    if (best) return best;
    const doc = this.count++;
    if (this.signatures.length < this.count * P) {
      const grown = new Uint32Array(Math.max(this.count * P, this.signatures.length * 2));
      grown.set(this.signatures);
      this.signatures = grown;
    }
    this.signatures.set(signature, doc * P);
    for (let band = 0; band < keys.length; band++) this.tables[band].add(keys[band], doc);
    return undefined;
  }

  private bandKeys(signature: Uint32Array): Uint32Array {
    const keys = new Uint32Array(this.options.bands);
    for (let band = 0; band < keys.length; band++) {
      let h = band;
      for (let r = band * this.rows; r < (band + 1) * this.rows; r++) h = combine32(h, signature[r]);
      keys[band] = fmix32(h);
    }
    return keys;
  }
}
