// The PyTorch fixtures (GPT-2, Llama, BERT: logits, loss, every gradient, one
// AdamW step, the loss curves) on the native backend with the same
// tolerances as the other backends, on two threads so the split kernels are
// the ones checked.
import { describeBertFixtures } from '../../../test/fixtures/bert.js';
import { describeGpt2Fixtures } from '../../../test/fixtures/gpt2.js';
import { describeLlamaFixtures } from '../../../test/fixtures/llama.js';
import { NativeBackend } from '../src/index.js';

async function twoThreads(): Promise<NativeBackend> {
  const backend = await NativeBackend.create({ threads: 2 });
  backend.forceThreads = true;
  return backend;
}

describeGpt2Fixtures('native, 2 threads', twoThreads);
describeLlamaFixtures('native, 2 threads', twoThreads);
describeBertFixtures('native, 2 threads', twoThreads);
