import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CompressionEntry, prune, quantize, REPORT_FILE } from '@kiln/compress';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import { cachedNextTokenModel } from '@kiln/generate';
import gpt2, { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createRng, ReferenceBackend, readQuantization } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const config = { vocabSize: 64, nPositions: 32, nLayer: 2, nEmbd: 64, nHead: 4 };
const tokenizer = { eosId: 63, encode: (t: string) => [...t].map((c) => c.charCodeAt(0) % 63) };
const text = 'the quick brown fox jumps over the lazy dog; '.repeat(3);

async function chain(plugins: KilnPlugin[], model: unknown) {
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-compress-'));
  const kiln = await createKiln({
    cwd: runDir,
    runDir,
    logger: createMemoryLogger(),
    config: { plugins: [gpt2(), ...plugins] },
  });
  const ctx = kiln.context();
  let m = model;
  for (const p of plugins)
    m = await (p.compressor as { compress(m: unknown, c: unknown): Promise<unknown> }).compress(m, ctx);
  const report = await ctx.runDir.readJson<{ entries: CompressionEntry[] }>(REPORT_FILE);
  await kiln.close();
  return { model: m, entries: report!.entries };
}

describe('compressors', () => {
  it('int8 then reporting: sizes shrink ~3.5x, perplexity barely moves, the engine keeps i8 weights on the device', async () => {
    const model = new GPT2(config, new ReferenceBackend(), createRng(1));
    const { model: out, entries } = await chain(
      [quantize({ bits: 8, group: 32, measure: { text, tokenizer } })],
      model,
    );
    expect(out).toBeInstanceOf(Gpt2Engine);
    const engine = out as Gpt2Engine;
    const w = engine.matrices.linears().get('transformer.h.0.mlp.c_fc.weight')!;
    expect(w.kind).toBe('quant');
    if (w.kind === 'quant') expect(('buf' in w.device.data ? w.device.data.buf : w.device.data).dtype).toBe('i8');
    const [e] = entries;
    expect(e.compressor).toBe('int8');
    expect(e.ratio).toBeGreaterThan(3.2);
    expect(Math.abs(e.pplChange!)).toBeLessThan(0.01);
    // The quantized engine generates.
    const logits = await cachedNextTokenModel(engine).nextLogits([1, 2, 3]);
    expect(logits.length).toBe(64);
    expect(logits.every(Number.isFinite)).toBe(true);
  });

  it('prune 2:4 then int4 g32: half of each matrix is zero, sizes and perplexity are reported per step', async () => {
    const model = new GPT2(config, new ReferenceBackend(), createRng(2));
    const { entries } = await chain(
      [
        prune({ pattern: '2:4', measure: { text, tokenizer } }),
        quantize({ bits: 4, group: 32, measure: { text, tokenizer } }),
      ],
      model,
    );
    expect(entries.map((e) => e.compressor)).toEqual(['prune', 'int4']);
    expect(entries[0].sparsity).toBeCloseTo(0.5, 2);
    expect(entries[0].ratio).toBe(1);
    expect(entries[1].ratio).toBeGreaterThan(5);
    expect(entries[1].pplBefore).toBeCloseTo(entries[0].pplAfter!, 6);
  });

  it('quantizing twice or pruning after quantizing is refused with the weight named', async () => {
    const model = new GPT2(config, new ReferenceBackend(), createRng(3));
    await expect(chain([quantize(), quantize()], model)).rejects.toThrow(/already quantized \(int8\); quantize once/);
    await expect(chain([quantize(), prune()], new GPT2(config, new ReferenceBackend(), createRng(3)))).rejects.toThrow(
      /prune before quantizing/,
    );
    expect(() => prune({ pattern: '2-4' })).toThrow(/pattern must be 'unstructured' or 'N:M'/);
  });
});

describe('saving a compressed model', () => {
  it('int4 weights saved and loaded back give the same logits, stored as I8 with a quantization_config', async () => {
    const { readFileSync } = await import('node:fs');
    const be = new ReferenceBackend();
    const { model } = await chain(
      [quantize({ bits: 4, group: 32, skip: ['c_proj'] })],
      new GPT2(config, be, createRng(8)),
    );
    const engine = model as Gpt2Engine;
    const dir = mkdtempSync(join(tmpdir(), 'kiln-compressed-'));
    await engine.save(dir);
    expect((await readQuantization(dir))?.quant_method).toBe('kiln-groupwise');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg.quantization_config.weights['transformer.h.0.attn.c_attn.weight']).toEqual({ bits: 4, group: 32 });
    expect(cfg.quantization_config.weights['transformer.h.0.attn.c_proj.weight']).toBeUndefined();
    const back = await Gpt2Engine.load(dir, be);
    expect(back.matrices.bytes()).toBe(engine.matrices.bytes());
    const ids = [5, 9, 2, 7];
    expect(Array.from(await cachedNextTokenModel(back).nextLogits(ids))).toEqual(
      Array.from(await cachedNextTokenModel(engine).nextLogits(ids)),
    );
  });
});
