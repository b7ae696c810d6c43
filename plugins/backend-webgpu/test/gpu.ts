/** Test helpers: whether a WebGPU adapter exists here, and a backend factory. */

import { WebGPUBackend, type WebGPUBackendOptions } from '../src/backend.js';
import { probeAdapter } from '../src/device.js';

const probe = await probeAdapter();
/** Why GPU tests are skipped, or undefined when an adapter exists. */
export const noAdapter: string | undefined = typeof probe === 'string' ? probe : undefined;
if (noAdapter) {
  process.stderr.write(`[backend-webgpu] SKIPPING WebGPU tests: ${noAdapter}\n`);
}

export function createBackend(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  return WebGPUBackend.create(opts);
}
