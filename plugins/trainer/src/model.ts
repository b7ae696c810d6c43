import type { Tensor } from '@kiln/tensor';

/**
 * What the trainer needs from an architecture's model (GPT-2 and Llama
 * provide it): named parameters, a forward that returns the loss, and save.
 */
export interface CausalLM {
  parameters(): Map<string, Tensor>;
  /**
   * ids and targets are (B,T) row-major; the loss is the sum of token losses
   * divided by `normalizer` (default: the number of tokens), recorded on the tape.
   * `segments` (one id per token) marks packed examples that must not attend to each other.
   */
  forward(ids: Int32Array, targets: Int32Array, o: { T: number; normalizer?: number; segments?: Int32Array }): { logits: Tensor; loss: Tensor | null };
  /** Write the model's files (model.safetensors + config.json) into dir. */
  save(dir: string): Promise<string[]>;
  dispose(): void;
  /** Context length and vocabulary, when the model exposes them (GPT-2's config does). */
  readonly config?: { nPositions?: number; vocabSize?: number };
}

export function asCausalLM(model: unknown, where: string): CausalLM {
  const m = model as Partial<CausalLM> | null;
  for (const method of ['parameters', 'forward', 'save', 'dispose'] as const) {
    if (typeof m?.[method] !== 'function') throw new Error(`${where}: the model has no ${method}() method, so the causal-lm trainer cannot train it`);
  }
  return m as CausalLM;
}
