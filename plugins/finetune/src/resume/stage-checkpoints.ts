import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kiln/core';
import type { AdamW } from '@kiln/tensor';
import {
  latestCheckpoint,
  loadOptimizer,
  readTrainerState,
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
 */
export class StageCheckpoints {
  constructor(
    readonly root: string,
    private readonly architecture: string,
    private readonly writer: string,
    private readonly options: Record<string, unknown>,
  ) {}

  /**
   * The latest checkpoint when `resume` is set (undefined when there is none yet).
   * Leftovers of a write that was cut short are removed.
   */
  async resumePoint(resume: boolean, logger: Logger, where: string): Promise<ResumePoint | undefined> {
    if (!resume) return undefined;
    if (existsSync(this.root)) {
      for (const name of await readdir(this.root))
        if (/^\.step-\d+\..*\.tmp$/.test(name)) await rm(join(this.root, name), { recursive: true, force: true });
    }
    const dir = await latestCheckpoint(this.root);
    if (!dir) {
      logger.info(`${where}: resume is set but there is no checkpoint yet, starting from the beginning`, {
        dir: this.root,
      });
      return undefined;
    }
    const state = await readTrainerState(dir);
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
    };
    return saveCheckpoint(this.root, o.weights, o.opt, state, o.files);
  }
}
