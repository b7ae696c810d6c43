import type { KilnPlugin, TrainerProvider } from '@kiln/core';
import { causalLmOptionsSchema } from './options.js';
import { trainCausalLM } from './causal-lm.js';
import { mlmTrainerProvider } from './mlm.js';

export { trainCausalLM, type CausalLmInputs } from './causal-lm.js';
export { causalLmOptionsSchema, parseCausalLmOptions, type CausalLmOptions, type CausalLmOptionsInput } from './options.js';
export { MemoryTokenBatches, byteTokens, splitTokens, unigramEntropy, type MemoryBatchesState } from './memory-batches.js';
export { trainStep, evaluate, type StepShape, type StepResult } from './step.js';
export { saveCheckpoint, latestCheckpoint, readTrainerState, loadOptimizer, stepDirName, type SavesFiles, type TrainerState } from './checkpoint.js';
export { asCausalLM, type CausalLM } from './model.js';

/**
 * Kiln's trainers. `train: { trainer: 'causal-lm', ... }` pretrains the
 * configured architecture (see options.ts for every knob).
 */
export default function trainer(): KilnPlugin {
  const causalLm: TrainerProvider = {
    name: 'causal-lm',
    stage: 'train',
    options: causalLmOptionsSchema,
    run: (options, ctx) => trainCausalLM(options, ctx),
  };
  return { name: 'kiln:trainer', version: '0.1.0', trainer: causalLm };
}

export { trainMLM, mlmOptionsSchema, type MlmOptionsInput } from './mlm.js';
export { MaskedBatches, type MaskingOptions } from './masking.js';

/**
 * The masked-LM trainer (BERT pretraining): `plugins: [bert(), mlm()]` and
 * `train: { trainer: 'mlm', ... }`: the causal-lm knobs plus the masking (see mlm.ts).
 */
export function mlm(): KilnPlugin {
  return { name: 'kiln:trainer-mlm', version: '0.1.0', trainer: mlmTrainerProvider() };
}
