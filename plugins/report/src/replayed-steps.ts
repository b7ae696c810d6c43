import type { MetricRecord } from './read-run.js';

/** Events a resumed run logs again for the steps after its last checkpoint. */
const REPLAYED = new Set(['step', 'eval', 'checkpoint']);

/**
 * metrics.jsonl as a resumed run means it: when a stage that has not finished
 * logs a step again (a run killed after its last checkpoint, resumed without
 * `metrics.rewind`, as files written before it did), the earlier records of
 * that step and later ones are superseded and dropped. A stage that finished
 * (`stage_end`) and starts again (another align trainer, `--force`) is a new
 * run: its steps from 1 are kept.
 */
export function withoutReplayedSteps(metrics: readonly MetricRecord[]): { kept: MetricRecord[]; replayed: number } {
  const drop = new Set<number>();
  // Per stage and event: indices of the records since the stage last finished.
  const open = new Map<string, number[]>();
  metrics.forEach((r, i) => {
    const stage = String(r.stage ?? 'train');
    if (r.event === 'stage_end') {
      for (const key of [...open.keys()]) if (key.startsWith(`${stage}\u0000`)) open.delete(key);
      return;
    }
    const event = r.event ?? 'step';
    if (typeof r.step !== 'number' || !REPLAYED.has(event)) return;
    const key = `${stage}\u0000${event}`;
    const seen = open.get(key) ?? [];
    const later = seen.filter((j) => (metrics[j].step as number) >= (r.step as number));
    for (const j of later) drop.add(j);
    open.set(key, [...seen.filter((j) => !drop.has(j)), i]);
  });
  return { kept: metrics.filter((_, i) => !drop.has(i)), replayed: drop.size };
}
