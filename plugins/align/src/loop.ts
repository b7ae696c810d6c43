import type { KilnContext } from '@kiln/core';
import {
  type LoopResult,
  type ResumableLoop,
  type ResumePoint,
  runResumableLoop,
  StageCheckpoints,
} from '@kiln/finetune';
import { AdamW, clipGradNorm, cosineSchedule, type Tensor } from '@kiln/tensor';
import { ALIGN_WRITER } from './save.js';

export interface LoopOptions {
  steps: number;
  lr: number;
  warmupSteps?: number;
  weightDecay: number;
  gradClip: number;
  evalEvery: number;
  checkpointEvery: number;
  checkpointMinutes: number;
}

/** The resume checkpoints of one align trainer: `<runDir>/align/checkpoints/<method>/`. */
export function alignCheckpoints(
  ctx: KilnContext,
  method: string,
  architecture: string,
  options: Record<string, unknown>,
): StageCheckpoints {
  return new StageCheckpoints(
    ctx.runDir.path('align', 'checkpoints', method),
    architecture,
    ALIGN_WRITER,
    options,
    ctx,
  );
}

export interface AlignLoop {
  method: string;
  params: Map<string, Tensor>;
  o: LoopOptions;
  checkpoints: StageCheckpoints;
  /** The checkpoint the weights were loaded from, when resuming. */
  from?: ResumePoint;
  /** What a checkpoint saves (the policy, or the reward model with its head). */
  weights: ResumableLoop['weights'];
  files?(dir: string): Promise<unknown>;
  /** Compute the loss and push its gradients (already zeroed). */
  step(i: number): Promise<{ loss: number; metrics?: Record<string, number> }>;
  evaluate(i: number): Promise<Record<string, number>>;
  /** The trainer's data cursor and RNGs, for the checkpoints. */
  state(): unknown;
  restore(state: unknown): void;
}

/**
 * The optimizer the align trainers share: `step` pushes gradients, this clips
 * them and steps AdamW; the finetune stage's resumable loop does the rest
 * (schedule, progress, metrics, evaluation, checkpoints, exact resume).
 */
export async function optimize(spec: AlignLoop, ctx: KilnContext): Promise<LoopResult> {
  const { o } = spec;
  const list = [...spec.params.values()];
  const opt = new AdamW(spec.params, { lr: o.lr, betas: [0.9, 0.95], eps: 1e-8, weightDecay: o.weightDecay });
  const lrAt = cosineSchedule({
    lr: o.lr,
    warmupSteps: o.warmupSteps ?? Math.min(20, Math.floor(o.steps / 10)),
    totalSteps: o.steps,
    minLrRatio: 0.1,
  });
  try {
    return await runResumableLoop(
      {
        stage: 'align',
        label: spec.method,
        steps: o.steps,
        lrAt,
        evalEvery: o.evalEvery,
        checkpointEvery: o.checkpointEvery,
        checkpointMinutes: o.checkpointMinutes,
        checkpoints: spec.checkpoints,
        opt,
        weights: spec.weights,
        files: spec.files?.bind(spec),
        async step(i, lr) {
          opt.zeroGrad();
          const r = await spec.step(i);
          const { norm, scale } = await clipGradNorm(list, o.gradClip > 0 ? o.gradClip : Infinity);
          if (Number.isFinite(r.loss) && Number.isFinite(norm)) opt.step({ lr, gradScale: scale });
          return { loss: r.loss, gradNorm: norm, metrics: r.metrics };
        },
        evaluate: (i) => spec.evaluate(i),
        state: () => spec.state(),
        restore: (s) => spec.restore(s),
      },
      ctx,
      spec.from,
    );
  } finally {
    opt.dispose();
  }
}
