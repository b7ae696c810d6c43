import type { Tensor } from '@kiln/tensor';
import { IGNORE_INDEX, Tensor as T_ } from '@kiln/tensor';
import { tokenNll, type TokenLogProbs } from './logprobs.js';

/** What the align trainers need from a model: GPT-2 (and any causal LM with the same shape of forward). */
export interface PolicyModel {
  parameters(): Map<string, Tensor>;
  forward(ids: Int32Array, targets: Int32Array | null, o: { T: number }): { logits: Tensor; loss: Tensor | null };
  save(dir: string): Promise<string[]>;
  dispose(): void;
  readonly config?: { nPositions?: number; vocabSize?: number };
}

export function asPolicy(model: unknown, where: string): PolicyModel {
  const m = model as Partial<PolicyModel> | null;
  for (const k of ['parameters', 'forward', 'save', 'dispose'] as const) {
    if (typeof m?.[k] !== 'function') throw new Error(`${where}: the model has no ${k}() method`);
  }
  return m as PolicyModel;
}

/** Forward rows and take every target token's log-prob (recorded on the tape unless inside noGrad). */
export async function tokenLogProbs(model: PolicyModel, ids: Int32Array, targets: Int32Array, T: number): Promise<TokenLogProbs> {
  const { logits } = model.forward(ids, null, { T });
  const nll = tokenNll(logits, T_.from(logits.backend, targets, [targets.length]));
  const host = (await nll.toArray()) as Float32Array;
  const logp = new Float32Array(host.length);
  for (let i = 0; i < host.length; i++) logp[i] = targets[i] === IGNORE_INDEX ? 0 : -host[i];
  return { nll, logp };
}
