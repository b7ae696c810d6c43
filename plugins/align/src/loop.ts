import type { KilnContext } from '@kiln/core';
import { AdamW, clipGradNorm, cosineSchedule, type Tensor } from '@kiln/tensor';

export interface LoopOptions {
  steps: number;
  lr: number;
  warmupSteps?: number;
  weightDecay: number;
  gradClip: number;
  evalEvery: number;
}

/**
 * The optimizer loop the align trainers share: `step` computes the loss and
 * pushes gradients (already zeroed), the loop clips, steps AdamW, reports
 * progress and metrics, and runs `evaluate` every evalEvery steps and at the end.
 */
export async function optimize(
  stage: 'align',
  label: string,
  params: Map<string, Tensor>,
  o: LoopOptions,
  ctx: KilnContext,
  step: (i: number) => Promise<{ loss: number; metrics?: Record<string, number> }>,
  evaluate: (i: number) => Promise<Record<string, number>>,
): Promise<{ steps: number; loss: number; last: Record<string, number>; first: Record<string, number> }> {
  const list = [...params.values()];
  const opt = new AdamW(params, { lr: o.lr, betas: [0.9, 0.95], eps: 1e-8, weightDecay: o.weightDecay });
  const lrAt = cosineSchedule({ lr: o.lr, warmupSteps: o.warmupSteps ?? Math.min(20, Math.floor(o.steps / 10)), totalSteps: o.steps, minLrRatio: 0.1 });
  const runEval = async (i: number) => {
    const m = await evaluate(i);
    await ctx.hooks.emitEval({ stage, step: i, metrics: m });
    ctx.logger.info(`${label} eval`, { step: i, ...m });
    return m;
  };
  const first = await runEval(0);
  let last = first;
  const bar = ctx.progress(label, o.steps);
  const started = performance.now();
  let i = 0;
  let loss = NaN;
  try {
    while (i < o.steps) {
      await new Promise<void>((r) => setImmediate(r)); // Ctrl-C and progress
      if (ctx.signal.aborted) break;
      const t0 = performance.now();
      opt.zeroGrad();
      const r = await step(i);
      const { norm, scale } = await clipGradNorm(list, o.gradClip > 0 ? o.gradClip : Infinity);
      if (!Number.isFinite(r.loss) || !Number.isFinite(norm)) throw new Error(`${label}: the loss (${r.loss}) or gradient norm (${norm}) is not finite; lower align.lr`);
      const lr = lrAt(i);
      opt.step({ lr, gradScale: scale });
      i++;
      loss = r.loss;
      const eta = ((performance.now() - started) / i / 1000) * (o.steps - i);
      bar.update(i, { loss: loss.toFixed(4), eta: `${Math.round(eta)}s` });
      await ctx.hooks.emitStep({ stage, step: i, totalSteps: o.steps, loss, lr, gradNorm: norm, msPerStep: performance.now() - t0, ...r.metrics });
      if (o.evalEvery > 0 && i % o.evalEvery === 0 && i < o.steps) last = await runEval(i);
    }
    last = await runEval(i);
  } finally {
    bar.stop();
    opt.dispose();
  }
  return { steps: i, loss, last, first };
}
