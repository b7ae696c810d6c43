/**
 * The model a stage starts from when it names none: the model of the last training stage that
 * finished before it in pipeline order. Never a later stage's output: rerunning compress quantizes
 * the trained model again (not its own int8 output), export writes the trained model, and a rerun
 * finetune or align starts from the model before it, not from what it made last time.
 */
import type { RunState } from './run-state.js';
import { STAGES, type StageName } from './types.js';

/** The stages that train a model, in pipeline order. */
const TRAINING_STAGES: readonly StageName[] = ['train', 'finetune', 'align'];

/** Where compress saves its model (model-stages.ts): never a stage's default input. */
export const COMPRESSED_MODEL_DIR = 'compress/model';

/**
 * The model directory (relative to the run directory) `stage` starts from by default. Outside a
 * stage (generate, serve): the run's latest model. Where no training stage before it recorded one,
 * the run's latest model when no stage made it (a model placed there by hand), else none.
 */
export function defaultModelDir(state: RunState, stage: StageName | undefined): string | undefined {
  if (stage === undefined) return state.modelDir;
  const before = STAGES.slice(0, STAGES.indexOf(stage));
  for (const trained of [...TRAINING_STAGES].reverse()) {
    const dir = before.includes(trained) ? state.stages[trained]?.modelDir : undefined;
    if (dir !== undefined) return dir;
  }
  const latest = state.modelDir;
  if (latest === undefined || latest === COMPRESSED_MODEL_DIR) return undefined;
  const madeByAStage = Object.values(state.stages).some((record) => record?.modelDir === latest);
  return madeByAStage ? undefined : latest;
}
