/**
 * The checkpoint knobs of the finetune and align trainers: the pretraining trainer's own
 * (`checkpointEvery`, `checkpointMinutes`, `resume`), with the same defaults, so every training
 * stage checkpoints by time unless told otherwise.
 */
export { checkpointOptions } from '@kiln/trainer';
