// The table's statistics: an accuracy with its 95% Wilson interval, and the paired gain of one
// model over another on the same problems with its 95% interval.
import { wilsonInterval } from '@kiln/eval';

const Z = 1.959964;

export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** Share of `correct` that is true, with the 95% Wilson interval. */
export function accuracy(correct: readonly boolean[]): Estimate {
  const hits = correct.filter(Boolean).length;
  return { value: hits / correct.length, ...wilsonInterval(hits, correct.length) };
}

/**
 * The mean of per-problem differences d = after − before (each −1, 0 or +1), with the normal 95%
 * interval mean ± 1.96·sd/√n: the paired comparison, which leaves out the problems both models
 * get right or both get wrong.
 */
export function meanInterval(d: readonly number[]): Estimate {
  const n = d.length;
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? d.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) : 0;
  const half = (Z * Math.sqrt(variance)) / Math.sqrt(n);
  return { value: mean, low: mean - half, high: mean + half };
}

/** The paired gain of `after` over `before` on the same problems. */
export function pairedGain(after: readonly boolean[], before: readonly boolean[]): Estimate {
  if (after.length !== before.length) throw new Error('pairedGain: the two models answered different problem sets');
  return meanInterval(after.map((a, i) => Number(a) - Number(before[i])));
}

/**
 * The gain pooled over seeds: per problem, the difference averaged over the seeds, then the mean
 * and its interval over problems (the seeds share the problems, so a problem is the unit).
 */
export function pooledGain(
  after: ReadonlyArray<readonly boolean[]>,
  before: ReadonlyArray<readonly boolean[]>,
): Estimate {
  const n = after[0].length;
  const perProblem = Array.from({ length: n }, (_, i) => {
    let sum = 0;
    for (let s = 0; s < after.length; s++) sum += Number(after[s][i]) - Number(before[s][i]);
    return sum / after.length;
  });
  return meanInterval(perProblem);
}

/** The accuracy pooled over seeds: per problem, the share of seeds right, then the mean over problems and its interval. */
export function pooledAccuracy(runs: ReadonlyArray<readonly boolean[]>): Estimate {
  return meanInterval(runs[0].map((_, i) => runs.reduce((a, r) => a + Number(r[i]), 0) / runs.length));
}

const pct = (x: number) => (100 * x).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${pct(Math.abs(x))}`;

/** "62.4 [58.1, 66.5]" in percent. */
export function formatAccuracy(e: Estimate): string {
  return `${pct(e.value)} [${pct(e.low)}, ${pct(e.high)}]`;
}

/** "+4.2 [2.1, 6.3]" in percentage points. */
export function formatGain(e: Estimate): string {
  return `${signed(e.value)} [${signed(e.low)}, ${signed(e.high)}]`;
}
