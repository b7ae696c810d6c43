// Worker entry used only when Kiln runs from TypeScript sources (tests, benchmarks):
// registers tsx in this thread, then loads the TypeScript worker. The built package
// uses dist/encode-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./encode-worker.ts');
