/**
 * The stages after training, as `kiln run` drives them, on a saved model of
 * each architecture: eval (perplexity and samples for the decoders, masked-LM
 * loss for BERT), compress (int8, saved by the architecture to compress/model)
 * and export (Hugging Face for all three, GGUF for the decoders), then the
 * compressed model loaded back and evaluated. A stage that does not apply
 * (perplexity on BERT) fails naming the architecture.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantize } from '@kiln/compress';
import type { KilnPlugin } from '@kiln/core';
import { maskedLM, perplexity, samples } from '@kiln/eval';
import { gguf, huggingface } from '@kiln/export';
import { ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, type ArchitectureName, kilnWith, sampleText, tinyModel } from './setup.js';

const text = sampleText(40);

function pluginsFor(arch: ArchitectureName): KilnPlugin[] {
  const measure = { text };
  const evaluators =
    arch === 'bert'
      ? [maskedLM({ text })]
      : [perplexity({ text, name: 'held' }), samples({ prompts: ['AB'], maxTokens: 4 })];
  return [
    ...evaluators,
    quantize({ bits: 8, measure }),
    huggingface(),
    ...(arch === 'bert' ? [] : [gguf({ type: 'q8_0' })]),
  ];
}

describe.each(ARCHITECTURES)('eval, compress and export stages on %s', (arch) => {
  it('run in order on a saved model, write their outputs, and the compressed model evaluates again', async () => {
    const base = await kilnWith();
    const dir = join(base.runDir, 'model');
    await tinyModel(arch, new ReferenceBackend(), 9).save(dir);
    await base.close();

    const run = await kilnWith(pluginsFor(arch), {
      eval: { model: dir },
      compress: { model: dir },
      export: { model: dir },
    });
    try {
      const result = await run.kiln.run(['eval', 'compress', 'export']);
      const metric = arch === 'bert' ? 'mlm/loss' : 'held/ppl';
      expect(result.eval.metrics![metric]).toBeGreaterThan(0);
      expect(result.compress.modelDir).toBe('compress/model');
      const config = JSON.parse(readFileSync(join(run.runDir, 'compress/model/config.json'), 'utf8'));
      expect(config.quantization_config.quant_method).toBe('kiln-groupwise');
      expect(existsSync(join(run.runDir, 'export/huggingface/model.safetensors'))).toBe(true);
      expect(existsSync(join(run.runDir, 'export/gguf/model-q8_0.gguf'))).toBe(arch !== 'bert');

      // The compressed model, loaded by its architecture, evaluates through the same evaluators.
      const { model, architecture } = await run.ctx.hooks.loadModel(join(run.runDir, 'compress/model'));
      expect(architecture.name).toBe(arch);
      const evaluator = pluginsFor(arch)[0].evaluator;
      if (!evaluator || Array.isArray(evaluator)) throw new Error('no evaluator');
      const again = await evaluator.evaluate(model, run.ctx);
      expect(Math.abs(again[metric] / result.eval.metrics![metric] - 1)).toBeLessThan(0.02);
    } finally {
      await run.close();
    }
  });
});

describe('a stage that does not apply', () => {
  it('perplexity on a BERT model fails the eval stage naming the architecture', async () => {
    const base = await kilnWith();
    const dir = join(base.runDir, 'model');
    await tinyModel('bert', new ReferenceBackend()).save(dir);
    await base.close();
    const run = await kilnWith([perplexity({ text })], { eval: { model: dir } });
    try {
      await expect(run.kiln.run(['eval'])).rejects.toThrow(
        /kiln:eval-perplexity: architecture 'bert' is a masked language model/,
      );
    } finally {
      await run.close();
    }
  });
});
