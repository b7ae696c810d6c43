import { type CausalLM, IGNORE_INDEX, isCausalLM, Tensor as T_ } from '@kiln/tensor';
import { type TokenLogProbs, tokenNll } from './logprobs.js';

/** What the align trainers need from a model: the CausalLM contract of @kiln/tensor. */
export type PolicyModel = CausalLM;

export function asPolicy(model: unknown, where: string): PolicyModel {
  if (isCausalLM(model)) return model;
  const kind = typeof model === 'object' && model !== null ? model.constructor.name : typeof model;
  throw new Error(
    `${where}: the model (${kind}) lacks parameters(), forward(), save() or dispose(), so it cannot be aligned (a compressed model is for inference only)`,
  );
}

/** Forward rows and take every target token's log-prob (recorded on the tape unless inside noGrad). */
export async function tokenLogProbs(
  model: PolicyModel,
  ids: Int32Array,
  targets: Int32Array,
  T: number,
): Promise<TokenLogProbs> {
  const { logits } = model.forward(ids, null, { T });
  const nll = tokenNll(logits, T_.from(logits.backend, targets, [targets.length]));
  const host = (await nll.toArray()) as Float32Array;
  const logp = new Float32Array(host.length);
  for (let i = 0; i < host.length; i++) logp[i] = targets[i] === IGNORE_INDEX ? 0 : -host[i];
  return { nll, logp };
}
