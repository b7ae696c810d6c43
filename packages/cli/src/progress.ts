/**
 * Progress bars for ctx.progress on a terminal (cli-progress). Off the
 * terminal, or with --json, progress is quiet: logs and the result are enough.
 */

import type { ProgressFactory } from '@kiln/core';
import cliProgress from 'cli-progress';

type Payload = { label: string; fields: Record<string, string | number> };

function formatFields(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : v}`)
    .join(' ');
}

/** One line per bar: label, bar and ETA when the total is known, the count and the fields. */
const format: cliProgress.GenericFormatter = (options, params, payload: Payload) => {
  const counts = params.total > 0 ? `${params.value}/${params.total}` : `${params.value}`;
  const bar =
    params.total > 0
      ? ` ${cliProgress.Format.BarFormat(params.progress, options)} ${Math.round(params.progress * 100)}% eta ${cliProgress.Format.TimeFormat(params.eta, options, 1)}`
      : '';
  return `${payload.label}${bar} ${counts} ${formatFields(payload.fields)}`.trimEnd();
};

/** A factory drawing bars on `stream` (stderr), all in one multi-bar so stages can nest them. */
export function createTtyProgress(
  stream: NodeJS.WritableStream = process.stderr,
): ProgressFactory & { stopAll(): void } {
  const multi = new cliProgress.MultiBar({ format, stream, hideCursor: true, clearOnComplete: false, fps: 5 });
  const factory = (label: string, total: number) => {
    const payload: Payload = { label, fields: {} };
    const bar = multi.create(total, 0, payload);
    const withFields = (fields?: Record<string, string | number>) => {
      if (fields) Object.assign(payload.fields, fields);
      return payload;
    };
    return {
      update: (done: number, fields?: Record<string, string | number>) => bar.update(done, withFields(fields)),
      increment: (by = 1, fields?: Record<string, string | number>) => bar.increment(by, withFields(fields)),
      // The finished bar stays on screen with its final count.
      stop: () => bar.stop(),
    };
  };
  return Object.assign(factory, { stopAll: () => multi.stop() });
}
