/** metrics.jsonl: one JSON object per line, appended synchronously so a crash loses nothing already written. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MetricsSink } from '../types.js';

export function createMetricsSink(file: string, stage?: string): MetricsSink {
  mkdirSync(dirname(file), { recursive: true });
  return {
    write(record) {
      const line = { time: new Date().toISOString(), ...(stage !== undefined && { stage }), ...record };
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    },
  };
}
