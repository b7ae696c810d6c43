// What quantization costs on a trained small GPT-2: bytes in memory and held-out perplexity for
// f32, int8 (g32, g64) and int4 (g32, g64), and 2:4 pruning for comparison. The model is the
// state-of-the-union example (byte-level GPT-2, 3 layers, context 64) widened to 128 so that every
// matrix's input dimension is a multiple of 64 (groups never straddle rows), trained here for
// KILN_BENCH_STEPS steps (default 400) on the fastest installed backend, or loaded from
// KILN_MODEL_DIR. Perplexity is per byte on the first 8192 bytes of the held-out last 10% of the text,
// computed on the reference backend (which has the quantized kernels).
// Also: generating 60 tokens with and without the KV cache (same tokens, time per token).
// Run: npm run bench -- compress
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import { cachedNextTokenModel, uncachedNextTokenModel } from '@kiln/generate';
import gpt2, { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator, type NextTokenModel } from '@kiln/sampling';
import { ReferenceBackend } from '@kiln/tensor';
import { type CompressionEntry, prune, quantize, REPORT_FILE } from '../src/index.js';

const root = new URL('../../../', import.meta.url).pathname;
const example = join(root, 'examples/state-of-the-union');
const steps = Number(process.env.KILN_BENCH_STEPS ?? 400);

async function trainedModelDir(): Promise<string> {
  if (process.env.KILN_MODEL_DIR) return process.env.KILN_MODEL_DIR;
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-compress-bench-'));
  const kiln = await createKiln({
    cwd: example,
    runDir,
    logger: createMemoryLogger(),
    overrides: [`train.steps=${steps}`, `train.checkpointEvery=${steps}`, 'model.nEmbd=128'],
  });
  const t0 = performance.now();
  const result = await kiln.run(['train']);
  await kiln.close();
  console.log(
    `trained ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s: val/loss ${result.train.metrics?.['val/loss']}`,
  );
  return join(runDir, result.train.modelDir as string);
}

const bytes = { encode: (t: string) => [...Buffer.from(t, 'utf8')] };

async function measure(modelDir: string, plugins: KilnPlugin[]): Promise<CompressionEntry[]> {
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-compress-bench-run-'));
  const kiln = await createKiln({
    cwd: runDir,
    runDir,
    logger: createMemoryLogger(),
    config: { plugins: [gpt2(), ...plugins] },
  });
  const ctx = kiln.context();
  let model: unknown = await GPT2.load(modelDir, new ReferenceBackend());
  for (const p of plugins)
    model = await (p.compressor as { compress(m: unknown, c: unknown): Promise<unknown> }).compress(model, ctx);
  const report = await ctx.runDir.readJson<{ entries: CompressionEntry[] }>(REPORT_FILE);
  await kiln.close();
  return report!.entries;
}

async function timeGeneration(model: NextTokenModel): Promise<{ ids: number[]; msPerToken: number }> {
  const gen = createTextGenerator({
    name: 'bench',
    model,
    tokenizer: { ...bytes, decode: (ids) => Buffer.from(Array.from(ids)).toString('latin1') },
  });
  const ids: number[] = [];
  const t0 = performance.now();
  for await (const c of gen.generate('The Congress', { maxTokens: 51, seed: 1, temperature: 0.8 }))
    if (c.tokenId >= 0) ids.push(c.tokenId);
  return { ids, msPerToken: (performance.now() - t0) / ids.length };
}

const modelDir = await trainedModelDir();
const full = readFileSync(join(example, 'data/sotu-1790-1809.txt'), 'utf8');
const heldout = Buffer.from(full, 'utf8')
  .subarray(Math.floor(Buffer.byteLength(full) * 0.9))
  .subarray(0, 8193)
  .toString('latin1');
const m = { text: heldout, tokenizer: bytes, maxTokens: 8193 };
const runs: Array<[string, KilnPlugin[]]> = [
  ['int8 g32', [quantize({ bits: 8, group: 32, measure: m })]],
  ['int8 g64', [quantize({ bits: 8, group: 64, measure: m })]],
  ['int4 g32', [quantize({ bits: 4, group: 32, measure: m })]],
  ['int4 g64', [quantize({ bits: 4, group: 64, measure: m })]],
  ['prune 2:4', [prune({ pattern: '2:4', measure: m })]],
];
const rows: Array<Record<string, unknown>> = [];
for (const [label, plugins] of runs) {
  const [e] = await measure(modelDir, plugins);
  rows.push({
    label,
    bytesF32: e.bytesBefore,
    bytes: e.bytesAfter,
    ratio: +e.ratio.toFixed(2),
    pplF32: +e.pplBefore!.toFixed(4),
    ppl: +e.pplAfter!.toFixed(4),
    pplChangePct: +(100 * e.pplChange!).toFixed(2),
  });
}
console.table(rows);

const engine = Gpt2Engine.fromGpt2(await GPT2.load(modelDir, new ReferenceBackend()));
const cached = await timeGeneration(cachedNextTokenModel(engine));
const plain = await timeGeneration(uncachedNextTokenModel(engine));
const generation = {
  tokens: cached.ids.length,
  identical: JSON.stringify(cached.ids) === JSON.stringify(plain.ids),
  msPerTokenCached: +cached.msPerToken.toFixed(2),
  msPerTokenUncached: +plain.msPerToken.toFixed(2),
};
console.table([generation]);

mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(
  join(root, 'bench-results/compress.json'),
  JSON.stringify(
    {
      bench: 'compress',
      date: new Date().toISOString(),
      model: modelDir,
      trainSteps: process.env.KILN_MODEL_DIR ? null : steps,
      heldoutBytes: 8192,
      quantization: rows,
      generation,
    },
    null,
    2,
  ) + '\n',
);
