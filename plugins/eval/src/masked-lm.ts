/**
 * Masked-LM loss on held-out text, the encoder's counterpart of perplexity:
 * the text is cut into windows of the model's context, a seeded random share
 * of each window's tokens (at least one) is replaced by the mask token, and
 * the loss is the mean cross-entropy of the original tokens at those
 * positions (what BERT's pretraining minimises, without the 10%/10% random
 * and kept replacements: every chosen token is masked). exp(loss) is the
 * pseudo-perplexity of the masked tokens.
 */
import { createRng, type MaskedLMEngine } from '@kiln/tensor';

export interface MaskedLMLossOptions {
  maskTokenId: number;
  /** Share of tokens masked (default 0.15). */
  probability?: number;
  /** Seed of the choice of masked positions (same seed, same positions). */
  seed?: number;
  /** Tokens per window (default: the model's context). */
  contextLength?: number;
}

export interface MaskedLMLossResult {
  /** Tokens masked and scored. */
  masked: number;
  /** Mean negative log-likelihood of the masked tokens, in nats. */
  loss: number;
}

const IGNORE = -100;

export async function maskedLMLoss(
  engine: MaskedLMEngine,
  ids: readonly number[],
  o: MaskedLMLossOptions,
): Promise<MaskedLMLossResult> {
  const T = Math.min(o.contextLength ?? engine.config.nPositions, engine.config.nPositions);
  const p = o.probability ?? 0.15;
  if (!(p > 0 && p < 1)) throw new RangeError(`masked LM: probability must be in (0, 1), got ${p}`);
  if (!(Number.isInteger(T) && T >= 1))
    throw new RangeError(`masked LM: contextLength must be a positive integer, got ${T}`);
  if (!(Number.isInteger(o.maskTokenId) && o.maskTokenId >= 0 && o.maskTokenId < engine.config.vocabSize)) {
    throw new RangeError(
      `masked LM: the mask token id ${o.maskTokenId} is outside the model's vocabulary (0..${engine.config.vocabSize - 1})`,
    );
  }
  if (ids.length === 0) throw new RangeError('masked LM: the text encodes to no tokens');
  const rng = createRng(o.seed ?? 0);
  let nll = 0;
  let masked = 0;
  for (let begin = 0; begin < ids.length; begin += T) {
    const window = ids.slice(begin, begin + T);
    const chosen = window.map(() => rng.next() < p);
    if (!chosen.includes(true)) chosen[rng.int(window.length)] = true;
    const inputs = Int32Array.from(window, (id, t) => (chosen[t] ? o.maskTokenId : id));
    const targets = Int32Array.from(window, (id, t) => (chosen[t] ? id : IGNORE));
    const losses = await engine.tokenLosses(inputs, targets, 1, IGNORE);
    for (let t = 0; t < window.length; t++) {
      if (targets[t] === IGNORE) continue;
      nll += losses[t];
      masked++;
    }
  }
  return { masked, loss: nll / masked };
}
