/**
 * Perplexity and bits per byte of a token sequence. The text is cut into
 * windows of the model's context; with a stride shorter than the context,
 * windows overlap and each token is scored once, with as much left context as
 * the window gives (Hugging Face's strided perplexity). Bits per byte divide
 * the total by the UTF-8 bytes of the text, so models with different
 * tokenizers compare fairly.
 */
import type { InferenceEngine } from '@kiln/tensor';

export interface PerplexityOptions {
  /** Tokens per window (default: the model's context). */
  contextLength?: number;
  /** Tokens between window starts (default: contextLength, no overlap). */
  stride?: number;
}

export interface PerplexityResult {
  /** Tokens scored. */
  tokens: number;
  /** Sum of their negative log-likelihoods, in nats. */
  nll: number;
  /** exp(nll / tokens). */
  ppl: number;
}

const IGNORE = -100;

/** Scores ids[1..] given what precedes each (ids[0] is context only: pass end-of-text first to score the whole text). */
export async function sequencePerplexity(
  engine: InferenceEngine,
  ids: readonly number[],
  o: PerplexityOptions = {},
): Promise<PerplexityResult> {
  const T = Math.min(o.contextLength ?? engine.config.nPositions, engine.config.nPositions);
  const stride = o.stride ?? T;
  if (!(Number.isInteger(T) && T >= 1))
    throw new RangeError(`perplexity: contextLength must be a positive integer, got ${T}`);
  if (!(Number.isInteger(stride) && stride >= 1 && stride <= T))
    throw new RangeError(`perplexity: stride must be an integer in 1..${T}, got ${stride}`);
  if (ids.length < 2) throw new RangeError(`perplexity: needs at least 2 tokens, got ${ids.length}`);
  let nll = 0;
  let tokens = 0;
  // Next target index to score: every target ids[1..] is scored exactly once.
  let scoredUpTo = 1;
  for (let begin = 0; scoredUpTo < ids.length; begin = Math.min(begin + stride, ids.length - 2)) {
    const end = Math.min(begin + T, ids.length - 1);
    const inputs = Int32Array.from(ids.slice(begin, end));
    const targets = new Int32Array(inputs.length).fill(IGNORE);
    for (let t = 0; t < inputs.length; t++) {
      const target = begin + t + 1;
      if (target >= scoredUpTo) targets[t] = ids[target];
    }
    const losses = await engine.tokenLosses(inputs, targets, 1, IGNORE);
    for (let t = 0; t < losses.length; t++) {
      if (targets[t] !== IGNORE) {
        nll += losses[t];
        tokens++;
      }
    }
    scoredUpTo = end + 1;
  }
  return { tokens, nll, ppl: Math.exp(nll / tokens) };
}

/** Bits per UTF-8 byte of a text whose tokens cost `nll` nats in total. */
export function bitsPerByte(nll: number, text: string): number {
  return nll / Math.LN2 / Buffer.byteLength(text, 'utf8');
}
