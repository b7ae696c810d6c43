/**
 * compress on every architecture through its engine's matrices: int8, int4 and
 * 2:4 pruning then int4 on GPT-2, Llama and BERT, with the size and quality
 * cost reported (perplexity for the decoders, masked-token pseudo-perplexity
 * for BERT); the compressed model saved by its architecture loads back through
 * ctx.hooks.loadModel and scores every token exactly as before saving.
 */
import { join } from 'node:path';
import { type CompressionEntry, prune, quantize, REPORT_FILE } from '@kiln/compress';
import type { KilnContext, KilnPlugin } from '@kiln/core';
import { type ModelEngine, ReferenceBackend, readQuantization } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, kilnWith, sampleText, tinyModel, tokenizer } from './setup.js';

const measure = { text: sampleText(30), tokenizer };

async function compressWith(plugins: KilnPlugin[], model: unknown, ctx: KilnContext): Promise<unknown> {
  let m = model;
  for (const p of plugins) {
    if (!p.compressor || Array.isArray(p.compressor)) throw new Error(`${p.name} has no single compressor`);
    m = await p.compressor.compress(m, ctx);
  }
  return m;
}

const seq = Int32Array.from({ length: 20 }, (_, i) => (i * 7 + 3) % 60);
const targets = Int32Array.from(seq, (_, i) => seq[(i + 1) % seq.length]);
const losses = (e: ModelEngine) => e.tokenLosses(seq, targets, 1);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.each(ARCHITECTURES)('compress on %s', (arch) => {
  it('int8 and int4: bytes shrink, the quality cost is measured and small, and the saved model loads back token for token', async () => {
    for (const bits of [8, 4] as const) {
      const run = await kilnWith();
      try {
        const model = tinyModel(arch, new ReferenceBackend(), 2);
        const before = await losses(run.ctx.hooks.engine(model, 'test'));
        const compressed = await compressWith([quantize({ bits, group: 32, measure })], model, run.ctx);
        const engine = run.ctx.hooks.engine(compressed, 'test');
        expect(engine.architecture).toBe(arch);
        const quantized = [...engine.matrices!.linears().values()].filter((w) => w.kind === 'quant');
        expect(quantized.length).toBe(engine.matrices!.linears().size);
        const [entry] = (await run.ctx.runDir.readJson<{ entries: CompressionEntry[] }>(REPORT_FILE))!.entries;
        expect(entry.compressor).toBe(`int${bits}`);
        // Norms, biases and position tables stay f32: BERT keeps the most of them.
        expect(entry.ratio).toBeGreaterThan(bits === 8 ? 2.5 : 3.5);
        expect(Math.abs(entry.pplChange!)).toBeLessThan(bits === 8 ? 0.01 : 0.1);
        expect(entry.pplChange).not.toBe(0);
        const after = await losses(engine);
        expect(maxDiff(after, before)).toBeLessThan(bits === 8 ? 0.05 : 0.5);
        expect(maxDiff(after, before)).toBeGreaterThan(0);

        const dir = join(run.runDir, `int${bits}`);
        await run.ctx.hooks.architecture(arch).save!(compressed, dir, run.ctx);
        expect((await readQuantization(dir))?.weights).toBeDefined();
        const { model: loaded, architecture } = await run.ctx.hooks.loadModel(dir);
        expect(architecture.name).toBe(arch);
        const back = run.ctx.hooks.engine(loaded, 'test');
        expect(back.matrices!.bytes()).toBe(engine.matrices!.bytes());
        expect(Array.from(await losses(back))).toEqual(Array.from(after));
      } finally {
        await run.close();
      }
    }
  });

  it('2:4 pruning then int4: half of every matrix but the embedding is zero, and each step is reported', async () => {
    const run = await kilnWith();
    try {
      const model = tinyModel(arch, new ReferenceBackend(), 3);
      const pruned = await compressWith([prune({ pattern: '2:4', measure })], model, run.ctx);
      // Pruned in place: the model's own weights hold the zeros (what its save() writes).
      const matrix = [...model.parameters()].find(([n]) =>
        /(c_fc|gate_up_proj|intermediate\.dense)\.weight$/.test(n),
      )![1];
      const values = (await matrix.toArray()) as Float32Array;
      expect(values.filter((v) => v === 0).length).toBe(values.length / 2);
      await compressWith([quantize({ bits: 4, group: 32, measure })], pruned, run.ctx);
      const entries = (await run.ctx.runDir.readJson<{ entries: CompressionEntry[] }>(REPORT_FILE))!.entries;
      expect(entries.map((e) => e.compressor)).toEqual(['prune', 'int4']);
      expect(entries[0].sparsity).toBeCloseTo(0.5, 6);
      expect(entries[0].settings.skip).toHaveLength(1);
      expect(entries[0].pplAfter).not.toBe(entries[0].pplBefore);
      expect(entries[1].pplBefore).toBeCloseTo(entries[0].pplAfter!, 6);
    } finally {
      await run.close();
    }
  });
});
