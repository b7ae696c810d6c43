/**
 * eval on every architecture through its engine (ctx.hooks.engine): perplexity,
 * multiple choice and samples on the decoders, equal to their autograd forward;
 * masked-LM loss on BERT, equal to BertForMaskedLM's own loss on the same masks;
 * the evaluators that do not apply refuse with the architecture named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evaluator, KilnPlugin } from '@kiln/core';
import { maskedLM, multipleChoice, perplexity, samples } from '@kiln/eval';
import { type CausalLM, createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { DECODERS, EOS, kilnWith, MASK, sampleText, tinyModel, tokenizer } from './setup.js';

const evaluatorOf = (p: KilnPlugin): Evaluator => {
  if (!p.evaluator || Array.isArray(p.evaluator)) throw new Error(`${p.name} has no single evaluator`);
  return p.evaluator;
};

/** Mean loss of the model's own (autograd) forward on ids → targets, recorded off the tape. */
async function autogradLoss(model: CausalLM, ids: number[], targets: number[]): Promise<number> {
  const loss = noGrad(() =>
    tidy(() => model.forward(Int32Array.from(ids), Int32Array.from(targets), { T: ids.length }).loss!),
  );
  const [v] = (await loss.toArray()) as Float32Array;
  loss.dispose();
  return v;
}

const text = sampleText(24);

describe.each(DECODERS)('eval on %s', (arch) => {
  it("perplexity is exp of the autograd forward's mean loss; multiple choice and samples run on the KV-cached engine", async () => {
    const model = tinyModel(arch, new ReferenceBackend());
    const run = await kilnWith();
    try {
      const ids = [EOS, ...tokenizer.encode(text)];
      const want = Math.exp(await autogradLoss(model, ids.slice(0, -1), ids.slice(1)));
      const ppl = await evaluatorOf(perplexity({ text, name: 'held' })).evaluate(model, run.ctx);
      expect(ppl['held/tokens']).toBe(text.length);
      expect(ppl['held/ppl'] / want - 1).toBeLessThan(1e-5);
      expect(want / ppl['held/ppl'] - 1).toBeLessThan(1e-5);

      const items = [
        { context: 'ABC', choices: ['D', 'EE', 'F'], answer: 1 },
        { context: 'GH', choices: ['I', 'J'], answer: 0 },
      ];
      const mc = await evaluatorOf(multipleChoice({ items, name: 'mc' })).evaluate(model, run.ctx);
      expect(mc['mc/items']).toBe(2);
      expect([0, 0.5, 1]).toContain(mc['mc/acc']);

      const s = await evaluatorOf(samples({ prompts: ['AB', 'CD'], maxTokens: 5, seed: 4 })).evaluate(model, run.ctx);
      expect(s['samples/count']).toBe(2);
      const written = JSON.parse(readFileSync(join(run.runDir, 'eval/samples.json'), 'utf8')) as {
        samples: Array<{ completion: string }>;
      };
      expect(written.samples.map((x) => x.completion.length)).toEqual([5, 5]);
    } finally {
      await run.close();
    }
  });

  it('masked-LM loss refuses a decoder, naming it', async () => {
    const run = await kilnWith();
    try {
      await expect(
        evaluatorOf(maskedLM({ text })).evaluate(tinyModel(arch, new ReferenceBackend()), run.ctx),
      ).rejects.toThrow(
        `kiln:eval-masked-lm: architecture '${arch}' is a causal language model; measure it with perplexity()`,
      );
    } finally {
      await run.close();
    }
  });
});

describe('eval on bert', () => {
  it("masked-LM loss is BertForMaskedLM's own loss on the same masked tokens (seeded), and differs by seed", async () => {
    const model = tinyModel('bert', new ReferenceBackend());
    const run = await kilnWith();
    try {
      const r = await evaluatorOf(maskedLM({ text, name: 'mlm', seed: 5, probability: 0.3 })).evaluate(model, run.ctx);
      // The same choice of positions, by the rule maskedLM documents: one window, each token masked with p = 0.3.
      const ids = tokenizer.encode(text);
      const rng = createRng(5);
      const targets = ids.map((id) => (rng.next() < 0.3 ? id : -100));
      const inputs = ids.map((id, i) => (targets[i] === -100 ? id : MASK));
      const masked = targets.filter((t) => t !== -100).length;
      expect(masked).toBeGreaterThan(2);
      expect(r['mlm/masked']).toBe(masked);
      expect(r['mlm/loss']).toBeCloseTo(await autogradLoss(model, inputs, targets), 5);
      expect(r['mlm/pseudo_ppl']).toBeCloseTo(Math.exp(r['mlm/loss']), 6);
      const other = await evaluatorOf(maskedLM({ text, name: 'mlm', seed: 6, probability: 0.3 })).evaluate(
        model,
        run.ctx,
      );
      expect(other['mlm/loss']).not.toBe(r['mlm/loss']);
    } finally {
      await run.close();
    }
  });

  it('perplexity, multiple choice and samples refuse BERT, naming it', async () => {
    const model = tinyModel('bert', new ReferenceBackend());
    const run = await kilnWith();
    try {
      const masked =
        /architecture 'bert' is a masked language model: it predicts masked tokens from both sides, so it does not generate text or score it left to right/;
      await expect(evaluatorOf(perplexity({ text })).evaluate(model, run.ctx)).rejects.toThrow(masked);
      await expect(
        evaluatorOf(multipleChoice({ items: [{ context: 'A', choices: ['B', 'C'], answer: 0 }] })).evaluate(
          model,
          run.ctx,
        ),
      ).rejects.toThrow(masked);
      await expect(evaluatorOf(samples({ prompts: ['A'] })).evaluate(model, run.ctx)).rejects.toThrow(
        /kiln:eval-samples: architecture 'bert' is a masked language model/,
      );
    } finally {
      await run.close();
    }
  });
});
