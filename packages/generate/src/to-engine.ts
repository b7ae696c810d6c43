import type { InferenceEngine, ModelEngine } from '@kiln/tensor';

/** What toEngine needs of the run: @kiln/core's ctx.hooks, which asks the architectures. */
export interface EngineSource {
  engine(model: unknown, who: string): ModelEngine;
}

/** The engine, when it can generate and score text left to right; otherwise an error naming the architecture and `who`. */
export function causalEngine(engine: ModelEngine, who: string): InferenceEngine {
  if (engine.kind === 'causal') return engine;
  throw new Error(
    `${who}: architecture '${engine.architecture}' is a masked language model: it predicts masked tokens from both sides, so it does not generate text or score it left to right (evaluate it with maskedLM())`,
  );
}

/**
 * The decoder engine of a model a stage hands over, from the architecture
 * that made it (ctx.hooks.engine asks each architecture; none guesses from the model's shape).
 */
export function toEngine(model: unknown, hooks: EngineSource, who: string): InferenceEngine {
  return causalEngine(hooks.engine(model, who), who);
}
