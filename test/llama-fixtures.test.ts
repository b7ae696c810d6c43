// PyTorch's Llama fixtures (scripts/fixtures/llama_fixtures.py) on every backend that exists:
// the reference backend, WASM on two threads (the split kernels), and WebGPU where an adapter exists.

import { WasmBackend } from '@kiln/backend-wasm';
import { probeAdapter, WebGPUBackend } from '@kiln/backend-webgpu';
import { ReferenceBackend } from '@kiln/tensor';
import { describe, it } from 'vitest';
import { describeLlamaFixtures } from './fixtures/llama.js';

describeLlamaFixtures('reference backend', () => new ReferenceBackend());

describeLlamaFixtures('wasm, 2 threads', async () => {
  const backend = await WasmBackend.create({ threads: 2, skipWarmup: true });
  backend.forceThreads = true;
  return backend;
});

const probe = await probeAdapter();
if (typeof probe === 'string') {
  describe('Llama vs PyTorch fixtures (webgpu)', () => it.skip(`no WebGPU adapter: ${probe}`, () => {}));
} else {
  describeLlamaFixtures('webgpu', () => WebGPUBackend.create());
}
