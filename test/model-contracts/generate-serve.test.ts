/**
 * generate and serve on every architecture through its engine: the decoders'
 * KV-cached generation gives, token for token, what their autograd forward
 * gives when rerun on the whole context each step, and kiln serve answers
 * with it over HTTP; BERT is refused with the architecture named.
 */

import { createModelGenerator, toEngine } from '@kiln/generate';
import { createTextGenerator, type NextTokenModel } from '@kiln/sampling';
import { serve } from '@kiln/serve';
import { type CausalLM, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DECODERS, kilnWith, tinyModel, tokenizer } from './setup.js';

/** The model's own forward over the whole context each call: no cache, no engine. */
function autogradNextToken(model: CausalLM): NextTokenModel {
  const V = model.config.vocabSize;
  return {
    contextLength: model.config.nPositions,
    async nextLogits(tokens) {
      const logits = noGrad(() =>
        tidy(() => model.forward(Int32Array.from(tokens), null, { T: tokens.length }).logits),
      );
      const all = (await logits.toArray()) as Float32Array;
      logits.dispose();
      return all.slice((tokens.length - 1) * V, tokens.length * V);
    },
  };
}

async function collect(stream: AsyncIterable<{ text: string }>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.text;
  return text;
}

/** The generated token ids (the end-of-text token stops a generation early). */
async function ids(stream: AsyncIterable<{ tokenId: number }>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of stream) if (chunk.tokenId >= 0) out.push(chunk.tokenId);
  return out;
}

describe.each(DECODERS)('generate and serve on %s', (arch) => {
  it('the KV-cached engine generates the autograd forward’s tokens (greedy and sampled), and kiln serve returns them', async () => {
    const model = tinyModel(arch, new ReferenceBackend(), 7);
    const run = await kilnWith();
    const server = await serve(
      createModelGenerator(toEngine(model, run.ctx.hooks, 'test'), tokenizer, { name: arch }),
      { port: 0 },
    );
    try {
      const cached = createModelGenerator(toEngine(model, run.ctx.hooks, 'test'), tokenizer);
      const reference = createTextGenerator({ name: 'ref', model: autogradNextToken(model), tokenizer });
      for (const request of [
        { temperature: 0, maxTokens: 12 },
        { temperature: 1.1, maxTokens: 12, seed: 3 },
      ]) {
        const want = await ids(reference.generate('ABCD', request));
        expect(want.length).toBeGreaterThan(3);
        expect(await ids(cached.generate('ABCD', request))).toEqual(want);
      }
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const answer = await client.completions.create({ model: arch, prompt: 'ABCD', max_tokens: 12, temperature: 0 });
      expect(answer.choices[0].text).toBe(await collect(reference.generate('ABCD', { temperature: 0, maxTokens: 12 })));
    } finally {
      await server.close();
      await run.close();
    }
  });
});

describe('generate on bert', () => {
  it('is refused: a masked LM does not generate, and the error names the architecture and the caller', async () => {
    const run = await kilnWith();
    try {
      expect(() => toEngine(tinyModel('bert', new ReferenceBackend()), run.ctx.hooks, 'kiln generate')).toThrow(
        "kiln generate: architecture 'bert' is a masked language model: it predicts masked tokens from both sides, so it does not generate text",
      );
    } finally {
      await run.close();
    }
  });
});
