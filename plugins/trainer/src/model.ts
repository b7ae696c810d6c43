import { type CausalLM, isCausalLM } from '@kiln/tensor';

/** What the trainer needs from an architecture's model: the contract of @kiln/tensor. */
export type { CausalLM };

/** The model an architecture created or loaded, checked before training starts: a clear error instead of a TypeError. */
export function asCausalLM(model: unknown, where: string): CausalLM {
  if (isCausalLM(model)) return model;
  const kind = typeof model === 'object' && model !== null ? model.constructor.name : typeof model;
  throw new Error(
    `${where}: the model (${kind}) lacks parameters(), forward(), save() or dispose(), so it cannot be trained (a compressed model is for inference only)`,
  );
}
