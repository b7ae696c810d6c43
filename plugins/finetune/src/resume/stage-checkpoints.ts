import type { KilnContext, Logger } from '@kiln/core';
import type { AdamW } from '@kiln/tensor';
import {
  type CheckpointOwner,
  checkpointOwner,
  loadOptimizer,
  ownedResumePoint,
  removeForeignCheckpoints,
  type SavesFiles,
  saveCheckpoint,
  type TrainerState,
} from '@kiln/trainer';

/** A checkpoint to resume from: its directory and what trainer-state.json holds. */
export interface ResumePoint {
  dir: string;
  state: TrainerState;
}

/** Options a resumed run may not change without changing the run: a warning names each. */
const SHAPING_OPTIONS = [
  'steps',
  'batchSize',
  'seqLen',
  'gradAccum',
  'lr',
  'data',
  'lora',
  'promptsPerStep',
  'groupSize',
  'beta',
];

/**
 * The resume checkpoints of one finetune or align trainer, in `root`, written by
 * @kiln/trainer's saveCheckpoint (temporary folder renamed into place, then
 * `latest` replaced atomically: a write cut short leaves the last good one).
 * Each carries the fingerprint of the stage run that wrote it (`ctx.fingerprint`,
 * see @kiln/trainer's checkpoint-owner.ts): only that run resumes it.
 */
export class StageCheckpoints {
  private resumeAsked = false;
  private readonly owner: CheckpointOwner;

  constructor(
    readonly root: string,
    private readonly architecture: string,
    private readonly writer: string,
    private readonly options: Record<string, unknown>,
    /** The stage's context (its fingerprint and section); without one, any checkpoint is taken as this run's. */
    ctx?: Pick<KilnContext, 'config' | 'fingerprint' | 'stage'>,
  ) {
    this.owner = ctx ? checkpointOwner(ctx) : { resumeAsked: false };
  }

  /**
   * The latest checkpoint when `resume` is set and this stage run owns it (undefined when there is
   * none). Leftovers of a write that was cut short are removed.
   */
  async resumePoint(resume: boolean, logger: Logger, where: string): Promise<ResumePoint | undefined> {
    this.resumeAsked = resume;
    const point = await ownedResumePoint(this.root, resume, this.owner, logger, where);
    if (!point) return undefined;
    const { dir, state } = point;
    for (const key of SHAPING_OPTIONS) {
      if (JSON.stringify(state.options[key]) !== JSON.stringify(this.options[key])) {
        logger.warn(`${where}: resuming with a different ${key}`, {
          checkpoint: state.options[key],
          now: this.options[key],
        });
      }
    }
    logger.info(`${where}: resuming`, { from: dir, step: state.step });
    return { dir, state };
  }

  /**
   * The run starts from step 0: the checkpoints another run left go, and so do the records an
   * interrupted run logged when the stage was asked to resume and had nothing of its own to resume.
   */
  async startOver(ctx: KilnContext): Promise<void> {
    await removeForeignCheckpoints(this.root, this.owner, ctx.logger);
    if (this.resumeAsked && ctx.stage !== undefined) ctx.metrics.rewind(-1);
  }

  /** Restore the optimizer of a resumed run. */
  loadOptimizer(point: ResumePoint, opt: AdamW): Promise<void> {
    return loadOptimizer(point.dir, opt, point.state.step);
  }

  save(o: {
    step: number;
    tokens: number;
    weights: SavesFiles;
    opt: AdamW;
    rng: number[];
    data: unknown;
    files?: (dir: string) => Promise<unknown>;
  }): Promise<string> {
    const state: TrainerState = {
      format: 'kiln-trainer-state',
      version: 1,
      writer: this.writer,
      architecture: this.architecture,
      step: o.step,
      tokens: o.tokens,
      rng: o.rng,
      data: o.data,
      options: this.options,
      ...(this.owner.fingerprint !== undefined && { fingerprint: this.owner.fingerprint }),
    };
    return saveCheckpoint(this.root, o.weights, o.opt, state, o.files);
  }
}
