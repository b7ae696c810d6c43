/**
 * export on every architecture through its engine: the Hugging Face layout of
 * GPT-2, Llama and BERT loads back (through the architectures, as any run
 * would) with the same logits; the GGUF of the decoders, read back and run the
 * way llama.cpp lays it out (gguf-forward.ts), gives the model's logits; BERT
 * has no GGUF and a quantized model no Hugging Face export, each said plainly.
 */
import { join } from 'node:path';
import { quantize } from '@kiln/compress';
import type { Exporter, KilnContext, KilnPlugin } from '@kiln/core';
import { gguf, huggingface } from '@kiln/export';
import { type CausalLM, isCausalLM, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { ggufLogits, readGguf } from './gguf-forward.js';
import { ARCHITECTURES, DECODERS, kilnWith, tinyModel } from './setup.js';

const exporterOf = (p: KilnPlugin): Exporter => {
  if (!p.exporter || Array.isArray(p.exporter)) throw new Error(`${p.name} has no single exporter`);
  return p.exporter;
};

const ids = [5, 17, 3, 42, 8, 0, 29, 11, 60, 7];

async function logitsOf(model: CausalLM): Promise<Float32Array> {
  const logits = noGrad(() => tidy(() => model.forward(Int32Array.from(ids), null, { T: ids.length }).logits));
  const out = (await logits.toArray()) as Float32Array;
  logits.dispose();
  return out;
}

async function exportTo(p: KilnPlugin, model: unknown, ctx: KilnContext, dir: string): Promise<string[]> {
  return exporterOf(p).export(model, dir, ctx);
}

describe.each(ARCHITECTURES)('Hugging Face export of %s', (arch) => {
  it('writes the HF layout that loads back through the architecture with identical logits', async () => {
    const run = await kilnWith();
    try {
      const model = tinyModel(arch, new ReferenceBackend(), 4);
      const out = join(run.runDir, 'hf');
      const files = await exportTo(huggingface(), model, run.ctx, out);
      for (const f of ['model.safetensors', 'config.json', 'tokenizer.json']) expect(files).toContain(f);
      const { model: back, architecture } = await run.ctx.hooks.loadModel(out);
      expect(architecture.name).toBe(arch);
      if (!isCausalLM(back)) throw new Error('the export did not load as a model');
      expect(Array.from(await logitsOf(back))).toEqual(Array.from(await logitsOf(model)));
    } finally {
      await run.close();
    }
  });

  it('refuses a quantized model, naming the architecture', async () => {
    const run = await kilnWith();
    try {
      const compressor = quantize({ bits: 8 }).compressor;
      if (!compressor || Array.isArray(compressor)) throw new Error('no compressor');
      const q = await compressor.compress(tinyModel(arch, new ReferenceBackend()), run.ctx);
      await expect(exportTo(huggingface(), q, run.ctx, join(run.runDir, 'hf-q'))).rejects.toThrow(
        `kiln:export-huggingface: the ${arch} model has quantized matrices`,
      );
    } finally {
      await run.close();
    }
  });
});

describe.each(DECODERS)('GGUF export of %s', (arch) => {
  it("read back and run as llama.cpp lays it out, the f32 file gives the model's logits, logit for logit", async () => {
    const run = await kilnWith();
    try {
      const model = tinyModel(arch, new ReferenceBackend(), 5);
      const out = join(run.runDir, 'gguf');
      const [file] = await exportTo(gguf({ type: 'f32' }), model, run.ctx, out);
      const back = await readGguf(join(out, file));
      expect(back.arch).toBe(arch);
      expect(back.meta[`${arch}.block_count`]).toBe(2);
      expect(back.meta['tokenizer.ggml.tokens']).toHaveLength(64);
      const want = await logitsOf(model);
      const got = ggufLogits(back, ids);
      const V = model.config.vocabSize;
      let worst = 0;
      for (let t = 0; t < ids.length; t++)
        for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(got[t][v] - want[t * V + v]));
      expect(worst).toBeLessThan(1e-4);
      // The same file in f16 and q8_0 is written too (lossy types; llama.cpp's own readers check those).
      for (const type of ['f16', 'q8_0'] as const)
        expect(await exportTo(gguf({ type }), model, run.ctx, out)).toEqual([`model-${type}.gguf`]);
    } finally {
      await run.close();
    }
  });
});

describe('GGUF export of bert', () => {
  it('is refused: llama.cpp has no masked-LM layout, and the error names the architecture', async () => {
    const run = await kilnWith();
    try {
      await expect(
        exportTo(gguf(), tinyModel('bert', new ReferenceBackend()), run.ctx, join(run.runDir, 'g')),
      ).rejects.toThrow("kiln:export-gguf: architecture 'bert' has no GGUF conversion");
    } finally {
      await run.close();
    }
  });
});
