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

// Sizes that cross every block edge of the kernels: matmul's MR 5 / NR 8 /
// MC 60 / KC 256 / NC 256 and quantized matmul's 64-row weight blocks, and
// attention's 64-row query blocks and 64×64 backward tiles (causal and not,
// with segments and grouped KV heads).
describeConformance(
  'wasm, 2 threads, shapes across kernel blocks',
  async () => {
    const backend = await WasmBackend.create({ threads: 2, skipWarmup: true });
    backend.forceThreads = true;
    return backend;
  },
  {
    shapes: {
      matmul: [
        [131, 300, 517],
        [61, 257, 260],
      ],
      rows: [[2, 3]],
      pointwise: [5],
      attention: [
        [2, 130, 4, 2, 32],
        [1, 150, 2, 2, 12],
      ],
    },
  },
);
