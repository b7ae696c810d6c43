export interface CosineScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  /** Linear warmup steps (0 for none). */
  warmupSteps: number;
  /** Step at which the cosine reaches its floor; later steps stay there. */
  totalSteps: number;
  /** Floor as a fraction of lr (nanoGPT/llm.c use 0.1). Default 0.1. */
  minLrRatio?: number;
}

/**
 * Linear warmup then cosine decay (llm.c's schedule), for 0-based steps:
 * warmup: lr·(step+1)/warmupSteps; then min + ½(1 + cos(π·progress))·(lr − min),
 * progress going 0 → 1 from warmupSteps to totalSteps.
 */
export function cosineSchedule(o: CosineScheduleOptions): (step: number) => number {
  const minRatio = o.minLrRatio ?? 0.1;
  if (!(o.lr > 0)) throw new Error(`cosineSchedule: lr must be positive, got ${o.lr}`);
  if (!(o.warmupSteps >= 0) || !(o.totalSteps > 0))
    throw new Error(`cosineSchedule: need warmupSteps >= 0 and totalSteps > 0, got ${o.warmupSteps}, ${o.totalSteps}`);
  if (o.warmupSteps > o.totalSteps)
    throw new Error(`cosineSchedule: warmupSteps (${o.warmupSteps}) exceeds totalSteps (${o.totalSteps})`);
  if (!(minRatio >= 0 && minRatio <= 1))
    throw new Error(`cosineSchedule: minLrRatio must be in [0, 1], got ${minRatio}`);
  const minLr = o.lr * minRatio;
  return (step: number) => {
    if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
    if (step >= o.totalSteps) return minLr;
    const span = o.totalSteps - o.warmupSteps;
    const progress = span === 0 ? 1 : (step - o.warmupSteps) / span;
    return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (o.lr - minLr);
  };
}
