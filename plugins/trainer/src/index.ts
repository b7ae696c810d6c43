import type { KilnPlugin, TrainerProvider } from '@kiln/core';
import { trainCausalLM } from './causal-lm.js';
import { mlmTrainerProvider } from './mlm.js';
import { type CausalLmOptions, causalLmOptionsSchema } from './options.js';

export { type CausalLmInputs, trainCausalLM } from './causal-lm.js';
export {
  latestCheckpoint,
  loadOptimizer,
  readTrainerState,
  type SavesFiles,
  saveCheckpoint,
  stepDirName,
  type TrainerState,
} from './checkpoint.js';
export {
  type CheckpointOwner,
  checkpointOwner,
  ownedResumePoint,
  removeForeignCheckpoints,
  removeLeftovers,
} from './checkpoint-owner.js';
export { type CheckpointReason, CheckpointSchedule, checkpointOptions } from './checkpoint-schedule.js';
export {
  type Batch,
  countTargets,
  type DataParallelOptions,
  dataParallel,
  type Optimizer,
  oneProcess,
  type Replicas,
  replicasFor,
  rowsPerRank,
  ShardedAdamW,
  sameWeights,
  startTogether,
} from './distributed/index.js';
export {
  byteTokens,
  type MemoryBatchesState,
  MemoryTokenBatches,
  splitTokens,
  unigramEntropy,
} from './memory-batches.js';
export { asCausalLM, type CausalLM } from './model.js';
export {
  type CausalLmOptions,
  type CausalLmOptionsInput,
  causalLmOptionsSchema,
} from './options.js';
export { evaluate, type StepResult, type StepShape, trainStep } from './step.js';

/**
 * Kiln's trainers. `train: { trainer: 'causal-lm', ... }` pretrains the
 * configured architecture (see options.ts for every knob).
 */
export default function trainer(): KilnPlugin {
  const causalLm: TrainerProvider = {
    name: 'causal-lm',
    stage: 'train',
    options: causalLmOptionsSchema,
    // Under mpirun every rank runs it, data-parallel (distributed/).
    distributed: true,
    // Core checked the section with causalLmOptionsSchema: these are its parsed, defaulted options.
    run: (options, ctx) => trainCausalLM(options as CausalLmOptions, ctx),
  };
  // No options of its own: its settings are the stage sections, already in each stage's fingerprint.
  return { name: 'kiln:trainer', version: '0.1.0', cacheKey: {}, trainer: causalLm };
}

export { MaskedBatches, type MaskingOptions } from './masking.js';
export { type MlmOptionsInput, mlmOptionsSchema, trainMLM } from './mlm.js';

/**
 * The masked-LM trainer (BERT pretraining): `plugins: [bert(), mlm()]` and
 * `train: { trainer: 'mlm', ... }`: the causal-lm knobs plus the masking (see mlm.ts).
 */
export function mlm(): KilnPlugin {
  return { name: 'kiln:trainer-mlm', version: '0.1.0', cacheKey: {}, trainer: mlmTrainerProvider() };
}
