import { fmix32, fnv1a32 } from '../util/hash.js';
import type { Split } from './shard-format.js';

/** A document's place in [0, 1) under `seed`: it goes to validation when below valFraction. */
export function splitScore(id: string, seed: number): number {
  return fmix32(fnv1a32(id) ^ fmix32(seed >>> 0)) / 2 ** 32;
}

/**
 * Train/validation assignment by document id and seed: stable when documents are
 * reordered, added or removed, and independent of thread count.
 */
export function splitOf(id: string, seed: number, valFraction: number): Split {
  if (valFraction <= 0) return 'train';
  return splitScore(id, seed) < valFraction ? 'val' : 'train';
}
