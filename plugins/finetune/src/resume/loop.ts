import type { KilnContext, StageName } from '@kiln/core';
import type { AdamW } from '@kiln/tensor';
import { CheckpointSchedule, type SavesFiles } from '@kiln/trainer';
import type { ResumePoint, StageCheckpoints } from './stage-checkpoints.js';

export interface LoopStep {
  loss: number;
  gradNorm: number;
  /** Target tokens of the step, when the trainer counts them. */
  tokens?: number;
  metrics?: Record<string, number>;
}

/** What a finetune or align trainer hands the shared loop. */
export interface ResumableLoop {
  stage: Extract<StageName, 'finetune' | 'align'>;
  /** Progress bar and log label, e.g. 'dpo'. */
  label: string;
  steps: number;
  lrAt(step: number): number;
  /** Held-out evaluation every N steps (0: only before and after). */
  evalEvery: number;
  /** Resume checkpoints every N steps, and every N minutes (@kiln/trainer's CheckpointSchedule). */
  checkpointEvery: number;
  checkpointMinutes: number;
  checkpoints: StageCheckpoints;
  opt: AdamW;
  /** What each checkpoint saves as weights (the model, or LoRA's adapters). */
  weights: SavesFiles;
  /** One optimizer step at `lr`, `done` steps having run before it. */
  step(done: number, lr: number): Promise<LoopStep>;
  evaluate(done: number): Promise<Record<string, number>>;
  /** The trainer's own resumable state (data cursor, sampler RNG), saved in every checkpoint. */
  state(): unknown;
  restore(state: unknown): void;
  /** More files for each checkpoint (the chat files). */
  files?(dir: string): Promise<unknown>;
}

export interface LoopResult {
  steps: number;
  loss: number;
  tokens: number;
  /** The evaluation before the first step (kept in the checkpoints, so a resumed run reports it too). */
  first: Record<string, number>;
  last: Record<string, number>;
  aborted: boolean;
  /** The last checkpoint written, if any. */
  checkpoint?: string;
}

/** What the loop keeps in trainer-state.json's `data`. */
interface LoopState {
  trainer: unknown;
  first: Record<string, number>;
}

/**
 * The optimizer loop of the finetune and align trainers: schedule, progress,
 * Ctrl-C, metrics, evaluation every evalEvery steps, checkpoints every
 * checkpointEvery steps and on abort, and an exact resume from a checkpoint
 * (optimizer moments, step, RNG, the trainer's data cursor) whose later steps
 * the killed run had logged are dropped from metrics.jsonl, as they run again.
 */
export async function runResumableLoop(spec: ResumableLoop, ctx: KilnContext, from?: ResumePoint): Promise<LoopResult> {
  const runEval = async (done: number) => {
    const m = await spec.evaluate(done);
    await ctx.hooks.emitEval({ stage: spec.stage, step: done, metrics: m });
    ctx.logger.info(`${spec.label} eval`, { step: done, ...m });
    return m;
  };
  let done = 0;
  let tokens = 0;
  let first: Record<string, number>;
  if (from) {
    await spec.checkpoints.loadOptimizer(from, spec.opt);
    const saved = from.state.data as LoopState;
    spec.restore(saved.trainer);
    ctx.rng.restore(from.state.rng);
    done = from.state.step;
    tokens = from.state.tokens;
    first = saved.first;
    ctx.metrics.rewind(done);
  } else {
    await spec.checkpoints.startOver(ctx);
    first = await runEval(0);
  }
  const checkpoint = async () => {
    const data: LoopState = { trainer: spec.state(), first };
    const dir = await spec.checkpoints.save({
      step: done,
      tokens,
      weights: spec.weights,
      opt: spec.opt,
      rng: ctx.rng.state(),
      data,
      files: spec.files?.bind(spec),
    });
    await ctx.hooks.emitCheckpoint({ stage: spec.stage, step: done, dir });
    return dir;
  };
  let last = first;
  let loss = NaN;
  let aborted = false;
  let lastCheckpoint: string | undefined;
  const schedule = new CheckpointSchedule(spec);
  const bar = ctx.progress(spec.label, spec.steps);
  bar.update(done);
  const started = performance.now();
  const firstStep = done;
  try {
    while (done < spec.steps) {
      await new Promise<void>((r) => setImmediate(r)); // let Ctrl-C and the progress bar run
      if (ctx.signal.aborted) {
        aborted = true;
        break;
      }
      const lr = spec.lrAt(done);
      const t0 = performance.now();
      const r = await spec.step(done, lr);
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
        throw new Error(
          `${spec.label}: the loss (${r.loss}) or gradient norm (${r.gradNorm}) is not finite; lower ${spec.stage}.lr`,
        );
      }
      const ms = performance.now() - t0;
      done++;
      loss = r.loss;
      tokens += r.tokens ?? 0;
      const eta = ((performance.now() - started) / (done - firstStep) / 1000) * (spec.steps - done);
      bar.update(done, { loss: loss.toFixed(4), eta: `${Math.round(eta)}s` });
      await ctx.hooks.emitStep({
        stage: spec.stage,
        step: done,
        totalSteps: spec.steps,
        loss,
        lr,
        gradNorm: r.gradNorm,
        msPerStep: ms,
        ...(r.tokens !== undefined && { tokensPerSecond: (r.tokens * 1000) / ms }),
        ...r.metrics,
      });
      if (spec.evalEvery > 0 && done % spec.evalEvery === 0 && done < spec.steps) last = await runEval(done);
      const due = schedule.due(done, spec.steps);
      if (due) {
        lastCheckpoint = await checkpoint();
        await schedule.saved(lastCheckpoint, due);
      }
    }
    // An abort leaves a checkpoint to resume from; a finished run evaluates and the trainer writes its model.
    if (aborted) lastCheckpoint = await checkpoint();
    else last = await runEval(done);
  } finally {
    bar.stop();
  }
  if (aborted)
    ctx.logger.warn(`${spec.label}: stopped by abort; run the stage again (or set ${spec.stage}.resume) to continue`, {
      step: done,
      checkpoint: lastCheckpoint,
    });
  return { steps: done, loss, tokens, first, last, aborted, checkpoint: lastCheckpoint };
}
