// The backend's acceptance test: the conformance suite of @kiln/tensor, run
// unchanged against the reference backend with the suite's default f32
// tolerances (exact ops rtol 1e-5 / atol 1e-6; reductions rtol 1e-4 /
// atol 1e-4, atol relative to the tensor's largest magnitude).
// Once on one thread, once on three with every op forced to split (the
// conformance shapes are small enough to run inline otherwise), so uneven
// splits and odd edges are exercised on every kernel.
import { describeConformance } from '@kiln/tensor/conformance';
import { WasmBackend } from '../src/index.js';

describeConformance('wasm, 1 thread', () => WasmBackend.create({ threads: 1, skipWarmup: true }));

describeConformance('wasm, 3 threads (every op split)', async () => {
  const backend = await WasmBackend.create({ threads: 3, skipWarmup: true });
  backend.forceThreads = true;
  return backend;
});
