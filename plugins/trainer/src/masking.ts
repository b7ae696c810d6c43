import type { Rng, TokenBatches } from '@kiln/core';
import { IGNORE_INDEX } from '@kiln/tensor';

export interface MaskingOptions {
  /** Share of (non-special) tokens the model must predict (BERT: 0.15). */
  probability: number;
  /** Of those: replaced by the mask token (0.8), by a random token (0.1), else kept as they are. */
  maskShare: number;
  randomShare: number;
  /** Id written in place of a masked token. */
  maskTokenId: number;
  /** Random replacements are drawn uniformly from [0, randomVocab). */
  randomVocab: number;
  /** Ids never chosen for prediction ([CLS], [SEP], [PAD], the mask itself...). */
  specialIds: ReadonlySet<number>;
}

/**
 * BERT's masked-LM batches over a token stream: a window of T tokens becomes
 * the input with `probability` of its tokens chosen (80% → mask, 10% → a random
 * token, 10% unchanged) and the target holding the original token at the chosen
 * positions and IGNORE_INDEX elsewhere. The masking RNG is part of state(), so a
 * resumed run masks exactly as an uninterrupted one.
 */
export class MaskedBatches implements TokenBatches {
  constructor(
    private readonly inner: TokenBatches,
    private readonly rng: Rng,
    private readonly o: MaskingOptions,
  ) {
    if (o.maskShare + o.randomShare > 1)
      throw new Error(`masking: maskShare + randomShare (${o.maskShare + o.randomShare}) exceeds 1`);
  }

  get tokens(): number | undefined {
    return this.inner.tokens;
  }

  next(B: number, T: number): { inputs: Int32Array; targets: Int32Array } {
    // The causal stream's inputs are a plain window of the text; its shifted targets are not needed.
    const { inputs: window } = this.inner.next(B, T);
    const inputs = Int32Array.from(window);
    const targets = new Int32Array(window.length).fill(IGNORE_INDEX);
    const { probability, maskShare, randomShare, maskTokenId, randomVocab, specialIds } = this.o;
    for (let i = 0; i < window.length; i++) {
      if (specialIds.has(window[i]) || this.rng.next() >= probability) continue;
      targets[i] = window[i];
      const r = this.rng.next();
      if (r < maskShare) inputs[i] = maskTokenId;
      else if (r < maskShare + randomShare) inputs[i] = this.rng.int(randomVocab);
    }
    return { inputs, targets };
  }

  state(): unknown {
    return { inner: this.inner.state(), rng: this.rng.state() };
  }

  restore(state: unknown): void {
    const s = state as { inner?: unknown; rng?: number[] } | null;
    if (!s || !Array.isArray(s.rng))
      throw new Error(
        'masking: the saved data state has no masking RNG (was the checkpoint written by the causal-lm trainer?)',
      );
    this.inner.restore(s.inner);
    this.rng.restore(s.rng);
  }
}
