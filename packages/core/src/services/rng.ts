/** The run's RNG: @kiln/tensor's seeded generator (one implementation in the repository, shared with the math). */
import { createRng } from '@kiln/tensor';
import type { Rng } from '../types.js';

export function createRunRng(seed: number): Rng {
  return createRng(seed);
}
