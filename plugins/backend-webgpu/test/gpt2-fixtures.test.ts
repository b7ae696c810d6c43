// PyTorch's GPT-2 fixtures (logits, loss, every gradient, AdamW, 50 training
// steps) on this backend, with the default tolerances.
import { describe, it } from 'vitest';
import { describeGpt2Fixtures } from '../../../test/fixtures/gpt2.js';
import { createBackend, noAdapter } from './gpu.js';

if (noAdapter) {
  describe('GPT-2 vs PyTorch fixtures (webgpu)', () => it.skip(`no WebGPU adapter: ${noAdapter}`, () => {}));
} else {
  describeGpt2Fixtures('webgpu', () => createBackend());
}
