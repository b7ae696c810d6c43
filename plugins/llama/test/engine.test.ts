// The KV-cached inference engine against the training forward of the same weights.

import { Llama, LlamaEngine } from '@kiln/llama';
import { createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const maxRel = (a: Float32Array, b: Float32Array) => {
  let d = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
};

describe('LlamaEngine', () => {
  for (const tied of [false, true]) {
    it(`prefill + one token at a time gives the training forward's logits (GQA, ${tied ? 'tied' : 'untied'} head)`, async () => {
      const be = new ReferenceBackend();
      const model = new Llama(
        {
          vocabSize: 53,
          nPositions: 24,
          nLayer: 2,
          nEmbd: 24,
          nHead: 4,
          nKvHead: 2,
          intermediateSize: 40,
          tieWordEmbeddings: tied,
          initializerRange: 0.1,
        },
        be,
        createRng(4),
      );
      const ids = Int32Array.from({ length: 13 }, (_, i) => (i * 17 + 3) % 53);
      const full = noGrad(() => tidy(() => model.forward(ids, null, { T: ids.length }).logits));
      const want = (await full.toArray()) as Float32Array;
      full.dispose();

      const engine = LlamaEngine.fromLlama(model);
      const cache = engine.createCache(1);
      const V = 53;
      const got = new Float32Array(ids.length * V);
      const prefill = await engine.forward(ids.subarray(0, 6), cache, 0);
      got.set((await be.read(prefill)) as Float32Array, 0);
      be.free(prefill);
      for (let t = 6; t < ids.length; t++) {
        const step = await engine.forward(ids.subarray(t, t + 1), cache, t, { lastOnly: true });
        got.set((await be.read(step)) as Float32Array, t * V);
        be.free(step);
      }
      engine.freeCache(cache);
      expect(maxRel(got, want)).toBeLessThan(1e-5);

      const targets = Int32Array.from(ids.subarray(1)).slice();
      const losses = await engine.tokenLosses(ids.subarray(0, 12), targets, 1);
      const ref = noGrad(() => tidy(() => model.forward(ids.subarray(0, 12), targets, { T: 12, normalizer: 1 }).loss!));
      const sum = losses.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - (await ref.item())) / sum).toBeLessThan(1e-5);
      model.dispose();
    });
  }
});
