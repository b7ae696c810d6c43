import type { UniformSource } from './sample.js';

/**
 * A small seeded generator (mulberry32) for requests that carry a `seed` and no
 * Rng of their own. Pass `createRng` to createTextGenerator to use another one
 * (e.g. @kiln/tensor's xoshiro128**).
 */
export function seededUniform(seed: number): UniformSource {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let a = (Number.isInteger(seed) ? seed : Math.floor(seed * 0x100000000)) >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
