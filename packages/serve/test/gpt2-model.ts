import type { GPT2 } from '@kiln/gpt2';
import type { GeneratorTokenizer, NextTokenModel } from '@kiln/sampling';
import { noGrad, tidy } from '@kiln/tensor';

/**
 * A Kiln GPT-2 as a NextTokenModel, without a KV cache: each call runs the whole
 * context (O(n²) over a generation), which is what a cache must reproduce exactly.
 */
export function gpt2NextTokenModel(model: GPT2): NextTokenModel {
  const V = model.config.vocabSize;
  return {
    contextLength: model.config.nPositions,
    async nextLogits(tokens) {
      const logits = noGrad(() =>
        tidy(() => model.forward(Int32Array.from(tokens), null, { T: tokens.length }).logits),
      );
      try {
        const all = (await logits.toArray()) as Float32Array;
        return all.slice((tokens.length - 1) * V, tokens.length * V);
      } finally {
        logits.dispose();
      }
    },
  };
}

/** Bytes as tokens 0..255 and 256 as <|endoftext|>: enough to serve a tiny model end to end. */
export const byteTokenizer: GeneratorTokenizer = {
  eosId: 256,
  encode: (text) => [...Buffer.from(text, 'utf8')],
  decode: (ids) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8'),
};
