import { fmix32, fnv1a32 } from '../util/hash.js';
import type { Split } from './shard-format.js';

/**
 * Train/validation assignment by document id and seed: stable when documents are
 * reordered, added or removed, and independent of thread count.
 */
export function splitOf(id: string, seed: number, valFraction: number): Split {
  if (valFraction <= 0) return 'train';
  const u = fmix32(fnv1a32(id) ^ fmix32(seed >>> 0)) / 2 ** 32;
  return u < valFraction ? 'val' : 'train';
}
