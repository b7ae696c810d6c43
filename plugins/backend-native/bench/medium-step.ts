/**
 * Child process of train.bench.ts: GPT-2 medium (24 layers, width 1024, 16
 * heads, context 1024, vocabulary 50257) training steps at batch 1 on the
 * native backend, alone in its process so its peak RSS is its own. Prints
 * one JSON line: ms/step, tokens/s, parameters, peak RSS.
 * argv: threads, steps
 */

import { trainingTimer } from '../../backend-wasm/bench/gpt2-step.js';
import { NativeBackend } from '../src/index.js';

const [threads, steps] = process.argv.slice(2).map(Number);
const shape = { label: 'GPT-2 medium', nLayer: 24, nEmbd: 1024, nHead: 16, vocab: 50257, T: 1024, B: 1 };
const backend = await NativeBackend.create({ threads });
const timer = await trainingTimer(backend, shape, 1);
const timing = await timer.time(steps);
timer.dispose();
await backend.dispose();
// maxRSS is in KiB.
console.log(JSON.stringify({ ...timing, peakRssGiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 30 }));
