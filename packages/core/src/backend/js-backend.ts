/**
 * The built-in `js` backend: @kiln/tensor's plain-TypeScript ReferenceBackend,
 * the correctness oracle every other backend is tested against. Slow, always there.
 */
import { ReferenceBackend } from '@kiln/tensor';
import { z } from 'zod';
import type { KilnPlugin } from '../types.js';

const jsOptions = z.strictObject({
  /** 'f64' stores f32 tensors in Float64Array (finite-difference gradient checks). */
  precision: z.enum(['f32', 'f64']).optional(),
});

export function jsBackend(): KilnPlugin {
  return {
    name: 'kiln:backend-js',
    cacheKey: {},
    enforce: 'post',
    backend: {
      name: 'js',
      // Lowest: 'auto' picks it only when nothing faster is available.
      priority: 0,
      options: jsOptions,
      async available() {
        return true;
      },
      async create(options) {
        return new ReferenceBackend(options as z.output<typeof jsOptions>);
      },
      async describe() {
        return { implementation: 'plain TypeScript reference kernels (exact, single thread, slow)' };
      },
    },
  };
}
