/**
 * The built-in `js` backend: @kiln/tensor's plain-TypeScript ReferenceBackend,
 * the correctness oracle every other backend is tested against. Slow, always there.
 */
import { ReferenceBackend, type ReferenceBackendOptions } from '@kiln/tensor';
import type { KilnPlugin } from '../types.js';

export function jsBackend(): KilnPlugin {
  return {
    name: 'kiln:backend-js',
    cacheKey: {},
    enforce: 'post',
    backend: {
      name: 'js',
      // Lowest: 'auto' picks it only when nothing faster is available.
      priority: 0,
      async available() {
        return true;
      },
      async create(options) {
        return new ReferenceBackend(options as ReferenceBackendOptions);
      },
      async describe() {
        return { implementation: 'plain TypeScript reference kernels (exact, single thread, slow)' };
      },
    },
  };
}
