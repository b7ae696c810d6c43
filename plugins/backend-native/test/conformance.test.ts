// The native backend's acceptance test: @kiln/tensor's conformance suite
// against the reference backend, with the same cases and tolerances as the
// wasm backend. Once on one thread, once on three with every op forced to
// split, and once on shapes that cross every kernel block edge: the portable
// 5×8 tile, the AVX2 and AVX-512 tiles, quantized matmul's 64-row blocks and
// attention's 64-row query blocks and 64×64 backward tiles.
import { describeConformance } from '@kiln/tensor/conformance';
import { NativeBackend } from '../src/index.js';

describeConformance('native, 1 thread', () => NativeBackend.create({ threads: 1 }));

describeConformance('native, 3 threads (every op split)', async () => {
  const backend = await NativeBackend.create({ threads: 3 });
  backend.forceThreads = true;
  return backend;
});

describeConformance(
  'native, 2 threads, shapes across kernel blocks',
  async () => {
    const backend = await NativeBackend.create({ threads: 2 });
    backend.forceThreads = true;
    return backend;
  },
  {
    shapes: {
      matmul: [
        [131, 300, 517],
        [61, 257, 260],
        [29, 97, 385],
        [14, 33, 1],
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
