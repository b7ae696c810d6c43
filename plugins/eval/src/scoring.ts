/**
 * Multiple-choice accuracy by log-likelihood, as lm-evaluation-harness scores
 * it: each choice is a continuation of the context; the model picks the one
 * with the highest total log-probability (acc), or the highest per byte of
 * the choice (acc_norm, which does not favour short answers).
 */
import type { InferenceEngine } from '@kiln/tensor';
import type { ChoiceItem } from './tasks.js';

export interface EncodeOnly {
  encode(text: string): number[];
}

/** log P(continuation | context) in nats. */
export type LogLikelihood = (context: string, continuation: string) => Promise<number>;

export interface ChoiceScores {
  acc: number;
  acc_norm: number;
  /** Per item: the index chosen by acc and the log-likelihood of every choice. */
  items: Array<{ predicted: number; predictedNorm: number; logLikelihoods: number[] }>;
}

export async function scoreMultipleChoice(
  items: readonly ChoiceItem[],
  logLikelihood: LogLikelihood,
): Promise<ChoiceScores> {
  if (items.length === 0) throw new RangeError('multiple choice: the task has no items');
  let correct = 0;
  let correctNorm = 0;
  const out: ChoiceScores['items'] = [];
  for (const item of items) {
    const lls: number[] = [];
    for (const choice of item.choices) lls.push(await logLikelihood(item.context, choice));
    const norm = lls.map((ll, i) => ll / Buffer.byteLength(item.choices[i], 'utf8'));
    const predicted = argmaxFirst(lls);
    const predictedNorm = argmaxFirst(norm);
    if (predicted === item.answer) correct++;
    if (predictedNorm === item.answer) correctNorm++;
    out.push({ predicted, predictedNorm, logLikelihoods: lls });
  }
  return { acc: correct / items.length, acc_norm: correctNorm / items.length, items: out };
}

function argmaxFirst(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * The engine's log-likelihood of a continuation. As the harness does, the
 * continuation's tokens are those of encode(context + continuation) past
 * encode(context), so a merge across the boundary is not double counted;
 * the oldest context tokens are dropped when both do not fit.
 */
export function engineLogLikelihood(engine: InferenceEngine, tokenizer: EncodeOnly, bos?: number): LogLikelihood {
  return async (context, continuation) => {
    const ctx = tokenizer.encode(context);
    const whole = tokenizer.encode(context + continuation);
    let split = ctx.length;
    while (split > 0 && whole[split - 1] !== ctx[split - 1]) split--;
    const prefix = bos === undefined ? whole.slice(0, split) : [bos, ...whole.slice(0, split)];
    const cont = whole.slice(split);
    if (cont.length === 0)
      throw new Error(`log-likelihood: continuation ${JSON.stringify(continuation)} encodes to no tokens`);
    if (prefix.length === 0)
      throw new Error('log-likelihood: the context is empty and the tokenizer has no end-of-text token to start from');
    let ids = [...prefix, ...cont];
    const max = engine.config.nPositions + 1;
    if (cont.length >= max)
      throw new Error(
        `log-likelihood: continuation of ${cont.length} tokens does not fit the context (${engine.config.nPositions})`,
      );
    if (ids.length > max) ids = ids.slice(ids.length - max);
    const inputs = Int32Array.from(ids.slice(0, -1));
    const targets = new Int32Array(inputs.length).fill(-100);
    for (let t = inputs.length - cont.length; t < inputs.length; t++) targets[t] = ids[t + 1];
    const losses = await engine.tokenLosses(inputs, targets, 1, -100);
    let nll = 0;
    for (let t = inputs.length - cont.length; t < inputs.length; t++) nll += losses[t];
    return -nll;
  };
}
