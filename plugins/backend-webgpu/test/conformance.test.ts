// The shared conformance suite, unchanged, at the small shapes meant for
// software GPUs (SwiftShader in CI), with both matmul tile sizes.
import { describe, it } from 'vitest';
import { describeConformance } from '@kiln/tensor/conformance';
import { createBackend, noAdapter } from './gpu.js';

if (noAdapter) {
  describe('backend conformance: webgpu', () => it.skip(`no WebGPU adapter: ${noAdapter}`, () => {}));
} else {
  describeConformance('webgpu', () => createBackend(), { shapes: 'gpu' });
  describeConformance('webgpu (128×128 matmul tiles)', () => createBackend({ matmulTile: 'large' }), { shapes: 'gpu' });
}
