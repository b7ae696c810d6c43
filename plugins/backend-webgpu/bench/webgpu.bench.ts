/**
 * WebGPU backend benchmark: matmul GFLOP/s and GPT-2 training tokens/s,
 * labelled with the adapter. On a software adapter (SwiftShader) the shapes
 * are small and the figures say only that the path works, not how fast a GPU is.
 * Writes bench-results/webgpu.json. Skips (exit 0) when there is no adapter.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { WebGPUBackend } from '../src/backend.js';
import { adapterName, probeAdapter } from '../src/device.js';
import { matmulBench, trainBench } from './measure.js';

const probe = await probeAdapter();
if (typeof probe === 'string') {
  console.log(`webgpu: skipped, no adapter (${probe})`);
  process.exit(0);
}
const software = probe.info.software;
const label = `${adapterName(probe.info)}${software ? ' [software: correctness only, not GPU speed]' : ''}`;
const be = await WebGPUBackend.create();

const shapes: [number, number, number][] = software
  ? [
      [64, 64, 64],
      [128, 128, 128],
    ]
  : [
      [1024, 1024, 1024],
      [4096, 4096, 4096],
      [8192, 2304, 768],
      [8192, 768, 3072],
      [8192, 50257, 768],
    ];
const mm = await matmulBench(be, shapes, software ? 3 : 20);
const train = software ? await trainBench(be, 'tiny', 2, 32, 3, 1) : await trainBench(be, '124m', 4, 1024, 10, 3);

console.log(`\nWebGPU backend on ${label}`);
console.log('matmul            layout   ms        GFLOP/s');
for (const r of mm)
  console.log(
    `${`${r.M}×${r.N}×${r.K}`.padEnd(18)}${r.layout.padEnd(9)}${r.ms.toFixed(3).padStart(9)} ${r.gflops.toPrecision(3).padStart(10)}`,
  );
console.log(
  `\nGPT-2 ${train.model} training, B=${train.B} T=${train.T}: ${train.msPerStep.toFixed(1)} ms/step, ${train.tokensPerSecond.toFixed(0)} tokens/s (loss ${train.firstLoss.toFixed(3)} → ${train.lastLoss.toFixed(3)})`,
);

const result = {
  bench: 'webgpu',
  adapter: label,
  software,
  date: new Date().toISOString(),
  matmul: mm,
  train,
  stats: be.stats,
};
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/webgpu.json.tmp', JSON.stringify(result, null, 2) + '\n');
renameSync('bench-results/webgpu.json.tmp', 'bench-results/webgpu.json');
await be.dispose();
process.exit(0);
