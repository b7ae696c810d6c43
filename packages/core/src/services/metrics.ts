/** metrics.jsonl: one JSON object per line, appended synchronously so a crash loses nothing already written. */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '@kiln/tensor';
import type { MetricsSink } from '../types.js';

/** Records a resumed run logs again for the steps after its checkpoint. */
const REPLAYED_EVENTS = new Set(['step', 'eval', 'checkpoint']);

/**
 * The lines to keep when `stage` resumes after `step`: everything except that stage's
 * step/eval/checkpoint records with a later step written after its last `stage_end`
 * (an earlier finished run of the stage, e.g. another align trainer, stays). Torn lines stay as they are.
 */
export function linesAfterRewind(
  lines: readonly string[],
  stage: string,
  step: number,
): { kept: string[]; dropped: number } {
  const parsed = lines.map((line) => {
    try {
      return JSON.parse(line) as { stage?: unknown; event?: unknown; step?: unknown };
    } catch {
      return undefined;
    }
  });
  const lastEnd = parsed.findLastIndex((r) => r?.stage === stage && r.event === 'stage_end');
  const kept: string[] = [];
  let dropped = 0;
  lines.forEach((line, i) => {
    const r = parsed[i];
    const replayed =
      i > lastEnd &&
      r?.stage === stage &&
      REPLAYED_EVENTS.has(String(r.event)) &&
      typeof r.step === 'number' &&
      r.step > step;
    if (replayed) dropped++;
    else kept.push(line);
  });
  return { kept, dropped };
}

export function createMetricsSink(file: string, stage?: string): MetricsSink {
  mkdirSync(dirname(file), { recursive: true });
  const write = (record: Record<string, unknown>) => {
    const line = { time: new Date().toISOString(), ...(stage !== undefined && { stage }), ...record };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  return {
    write,
    rewind(step) {
      if (stage === undefined) throw new Error('metrics.rewind: only a stage can rewind its records');
      if (!existsSync(file)) return 0;
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim());
      const { kept, dropped } = linesAfterRewind(lines, stage, step);
      if (dropped > 0) {
        // Rewritten atomically: a crash leaves the old file or the new, never half.
        writeFileAtomicSync(file, kept.map((l) => `${l}\n`).join(''));
      }
      // -1: the stage starts over (a fresh run, or nothing of its own to resume); else it resumes after `step`.
      if (step < 0) {
        if (dropped > 0) write({ event: 'restart', dropped });
      } else write({ event: 'resume', step, dropped });
      return dropped;
    },
  };
}
