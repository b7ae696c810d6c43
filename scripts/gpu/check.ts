/**
 * The standalone GPU check (bundled by scripts/gpu-pack.sh into one .mjs that
 * needs only node and the `webgpu` package): no vitest, no npm.
 *
 *   node check.mjs info
 *   node check.mjs conformance [--shapes gpu|ci|full]   every case of @kiln/tensor's
 *        conformance suite (same cases, harness and tolerances) against ReferenceBackend
 *   node check.mjs bench [--model 124m] [--B 4] [--T 1024] [--steps 10] [--out file.json]
 *   node check.mjs compare webgpu.json torch.json        the table for the issue note
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allCases } from '../../packages/tensor/src/conformance/cases.js';
import { compare, DEFAULT_TOLERANCES, runCase } from '../../packages/tensor/src/conformance/harness.js';
import { type ShapeProfile, shapeSet } from '../../packages/tensor/src/conformance/shapes.js';
import { ReferenceBackend } from '../../packages/tensor/src/reference/reference-backend.js';
import {
  type MatmulRow,
  matmulBench,
  type TrainResult,
  trainBench,
} from '../../plugins/backend-webgpu/bench/measure.js';
import { WebGPUBackend } from '../../plugins/backend-webgpu/src/backend.js';
import { adapterName, probeAdapter } from '../../plugins/backend-webgpu/src/device.js';
import { peakTflops } from './peaks.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    shapes: { type: 'string', default: 'full' },
    model: { type: 'string', default: '124m' },
    B: { type: 'string', default: '4' },
    T: { type: 'string', default: '1024' },
    steps: { type: 'string', default: '10' },
    out: { type: 'string' },
    gpu: { type: 'string', default: '' },
  },
});

function writeJson(path: string | undefined, value: unknown): void {
  if (!path) return;
  writeFileSync(path + '.tmp', JSON.stringify(value, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

async function info(): Promise<void> {
  const probe = await probeAdapter();
  if (typeof probe === 'string') {
    console.log(`no WebGPU adapter: ${probe}`);
    process.exit(2);
  }
  console.log(`adapter: ${adapterName(probe.info)}${probe.info.software ? ' (software)' : ''}`);
  console.log(
    `shader-f16: ${probe.info.features.includes('shader-f16')}, max storage binding: ${(probe.info.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB, workgroup storage: ${probe.info.limits.maxComputeWorkgroupStorageSize} B`,
  );
}

async function conformance(): Promise<void> {
  const be = await WebGPUBackend.create();
  const ref = new ReferenceBackend();
  let passed = 0;
  let skipped = 0;
  const failures: string[] = [];
  const t0 = performance.now();
  for (const { group, cases } of allCases(shapeSet(values.shapes as ShapeProfile))) {
    let groupFailed = 0;
    let groupSkipped = 0;
    for (const [i, c] of cases.entries()) {
      // Optional ops (inference) the backend does not provide are skipped, as the vitest suite does.
      if (c.requires && typeof (be as unknown as Record<string, unknown>)[c.requires] !== 'function') {
        groupSkipped++;
        continue;
      }
      const padded = i % 2 === 1;
      try {
        const want = await runCase(ref, c, padded);
        const got = await runCase(be, c, padded);
        const problems = c.check
          .map((k) => compare(`${c.name} → ${k}`, got[k], want[k], DEFAULT_TOLERANCES[c.tol]))
          .filter((p) => p !== null);
        if (problems.length) throw new Error(problems.join('; '));
        passed++;
      } catch (err) {
        groupFailed++;
        failures.push(`${group} / ${c.name}: ${(err as Error).message}`);
      }
    }
    skipped += groupSkipped;
    const ran = cases.length - groupSkipped;
    console.log(
      `  ${group.padEnd(28)} ${ran - groupFailed}/${ran} pass${groupSkipped ? `, ${groupSkipped} skipped (optional op not provided)` : ''}`,
    );
  }
  console.log(
    `conformance (${values.shapes} shapes) on ${be.info.device}: ${passed} passed, ${failures.length} failed, ${skipped} skipped in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  for (const f of failures) console.log(`  FAIL ${f}`);
  writeJson(values.out, { adapter: be.info.device, shapes: values.shapes, passed, skipped, failed: failures });
  await be.dispose();
  process.exit(failures.length ? 1 : 0);
}

async function bench(): Promise<void> {
  const be = await WebGPUBackend.create();
  const [B, T, steps] = [Number(values.B), Number(values.T), Number(values.steps)];
  // The GPT-2 124M matmuls of this B·T (c_attn, c_fc, the LM head); small ones on a software adapter.
  const shapes: [number, number, number][] = be.info.slow
    ? [
        [64, 64, 64],
        [B * T, 96, 32],
      ]
    : [
        [4096, 4096, 4096],
        [B * T, 3 * 768, 768],
        [B * T, 4 * 768, 768],
        [B * T, 50257, 768],
      ];
  console.log(`webgpu on ${be.info.device}`);
  const mm = await matmulBench(be, shapes, be.info.slow ? 2 : 10);
  for (const r of mm)
    console.log(`  matmul ${r.M}×${r.N}×${r.K} ${r.layout}: ${r.ms.toFixed(2)} ms, ${r.gflops.toPrecision(3)} GFLOP/s`);
  const train = await trainBench(be, values.model!, B, T, steps, 2);
  console.log(
    `  GPT-2 ${train.model} B=${B} T=${T}: ${train.msPerStep.toFixed(1)} ms/step, ${train.tokensPerSecond.toFixed(0)} tokens/s`,
  );
  writeJson(values.out, {
    backend: 'webgpu',
    device: be.info.device,
    software: be.info.slow,
    matmul: mm,
    train,
    stats: be.stats,
  });
  await be.dispose();
  process.exit(0);
}

/** The comparison table: WebGPU vs PyTorch CUDA fp32 eager on the same shapes and card. */
function compareResults(): void {
  const [wPath, tPath] = positionals.slice(1);
  const w = JSON.parse(readFileSync(wPath, 'utf8')) as { device: string; matmul: MatmulRow[]; train: TrainResult };
  const t = tPath
    ? (JSON.parse(readFileSync(tPath, 'utf8')) as {
        device: string;
        torch: string;
        matmul: MatmulRow[];
        train: TrainResult;
      })
    : undefined;
  const card = values.gpu || t?.device || w.device;
  const peak = peakTflops(card);
  console.log(`\n=== ${card}: Kiln WebGPU vs PyTorch ${t?.torch ?? '(not available)'} CUDA fp32 eager ===`);
  console.log(
    `fp32 peak: ${peak ? `${peak} TFLOP/s (datasheet, non-tensor-core)` : 'unknown card: no datasheet figure'}`,
  );
  console.log('matmul (layout)             webgpu GFLOP/s  %peak   torch GFLOP/s  webgpu/torch');
  for (const r of w.matmul) {
    const tr = t?.matmul.find((x) => x.M === r.M && x.N === r.N && x.K === r.K && x.layout === r.layout);
    const pct = peak ? `${((r.gflops / (peak * 1000)) * 100).toFixed(1)}%` : '-';
    console.log(
      `${`${r.M}×${r.N}×${r.K} ${r.layout}`.padEnd(28)}${r.gflops.toPrecision(4).padStart(14)}  ${pct.padStart(6)}  ${tr ? tr.gflops.toFixed(0).padStart(13) : '-'.padStart(13)}  ${tr ? (r.gflops / tr.gflops).toFixed(2).padStart(12) : ''}`,
    );
  }
  console.log(`\nGPT-2 ${w.train.model} training, B=${w.train.B} T=${w.train.T}:`);
  console.log(`  webgpu: ${w.train.tokensPerSecond.toFixed(0)} tokens/s (${w.train.msPerStep.toFixed(1)} ms/step)`);
  if (t) {
    const ratio = t.train.tokensPerSecond / w.train.tokensPerSecond;
    console.log(`  torch:  ${t.train.tokensPerSecond.toFixed(0)} tokens/s (${t.train.msPerStep.toFixed(1)} ms/step)`);
    console.log(`  PyTorch is ${ratio.toFixed(2)}× faster: ${ratio <= 3 ? 'WITHIN' : 'NOT within'} the 3× goal`);
  }
}

const cmd = positionals[0] ?? 'info';
if (cmd === 'info') await info();
else if (cmd === 'conformance') await conformance();
else if (cmd === 'bench') await bench();
else if (cmd === 'compare') compareResults();
else {
  console.error(`unknown command '${cmd}': info | conformance | bench | compare`);
  process.exit(2);
}
