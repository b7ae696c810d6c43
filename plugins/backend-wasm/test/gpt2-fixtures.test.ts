// The PyTorch GPT-2 fixtures (logits, loss, every gradient, one AdamW step,
// the 50-step loss curve) on this backend, with the default tolerances, on
// two threads so the split kernels are the ones checked.
import { describeGpt2Fixtures } from '../../../test/fixtures/gpt2.js';
import { WasmBackend } from '../src/index.js';

describeGpt2Fixtures('wasm, 2 threads', async () => {
  const backend = await WasmBackend.create({ threads: 2, skipWarmup: true });
  backend.forceThreads = true;
  return backend;
});
