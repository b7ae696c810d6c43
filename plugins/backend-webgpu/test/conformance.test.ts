// The shared conformance suite, unchanged, at the small shapes meant for
// software GPUs (SwiftShader in CI). On a software adapter the backend uses
// its software kernel shapes; test/webgpu.test.ts runs the GPU ones.

import { describeConformance } from '@kiln/tensor/conformance';
import { describe, it } from 'vitest';
import { createBackend, noAdapter } from './gpu.js';

if (noAdapter) {
  describe('backend conformance: webgpu', () => it.skip(`no WebGPU adapter: ${noAdapter}`, () => {}));
} else {
  describeConformance('webgpu', () => createBackend(), { shapes: 'gpu' });
}
