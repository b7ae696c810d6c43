/**
 * When a training loop writes a resume checkpoint: every `checkpointEvery` steps, and whenever
 * `checkpointMinutes` of training have passed since the last one. The time-based default bounds
 * what kill -9, an OOM or a power cut loses, at any model size, in every training stage (train,
 * finetune, align share these knobs). A checkpoint written because of the clock replaces the
 * previous one written for the same reason, so the default keeps one such checkpoint, not one per
 * interval; those of `checkpointEvery` all stay.
 */
import { rm } from 'node:fs/promises';
import { z } from 'zod';

/** The checkpoint knobs of every training stage, with one default for all. */
export const checkpointOptions = {
  /** Checkpoint every N steps (0: not by step count). The stage's final model is written at the end either way. */
  checkpointEvery: z.number().int().nonnegative().default(0),
  /** Also checkpoint when this many minutes have passed since the last checkpoint (0: not by time). */
  checkpointMinutes: z.number().min(0).default(10),
  /** Continue from the stage's latest checkpoint when there is one (`kiln run` sets it for an interrupted stage). */
  resume: z.boolean().default(false),
};

export type CheckpointReason = 'steps' | 'time';

export class CheckpointSchedule {
  private last: number;
  private lastTimed: string | undefined;

  constructor(
    private readonly o: { checkpointEvery: number; checkpointMinutes: number },
    /** Milliseconds; a test passes its own clock. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** Why to checkpoint after `step` of `total`, or undefined. Never at the last step: the stage saves its model then. */
  due(step: number, total: number): CheckpointReason | undefined {
    if (step >= total) return undefined;
    if (this.o.checkpointEvery > 0 && step % this.o.checkpointEvery === 0) return 'steps';
    if (this.o.checkpointMinutes > 0 && this.now() - this.last >= this.o.checkpointMinutes * 60_000) return 'time';
    return undefined;
  }

  /** A checkpoint was written to `dir`: the clock starts again; a clock-made one replaces the previous clock-made one. */
  async saved(dir: string, reason: CheckpointReason | 'abort'): Promise<void> {
    this.last = this.now();
    if (reason !== 'time') return;
    const previous = this.lastTimed;
    this.lastTimed = dir;
    if (previous !== undefined && previous !== dir) await rm(previous, { recursive: true, force: true });
  }
}
