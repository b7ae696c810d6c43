import { z } from 'zod';

/**
 * The checkpoint knobs of the finetune and align trainers, named as the
 * pretraining trainer names them (`train.checkpointEvery`, `train.resume`).
 */
export const checkpointOptions = {
  /** Checkpoint every N steps (0: only on abort); the stage's final model is written at the end either way. */
  checkpointEvery: z.number().int().nonnegative().default(0),
  /** Continue from the stage's latest checkpoint when there is one (`kiln run` sets it for an interrupted stage). */
  resume: z.boolean().default(false),
};
