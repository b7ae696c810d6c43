import { ReferenceBackend } from '@kiln/tensor';
import { describeConformance } from '@kiln/tensor/conformance';

// The f32 reference against the same kernels in f64: the suite's tolerances
// must hold for an exact f32 implementation (any backend can do no better).
describeConformance('reference (f64 storage)', () => new ReferenceBackend({ precision: 'f64' }));
