/** Loggers: the default writes human lines to stderr; the CLI may pass its own. */
import type { Logger } from '../types.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Writes `level message {data}` lines to a stream (stderr by default), dropping levels below `level`. */
export function createStreamLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (at: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    if (RANK[at] < RANK[level]) return;
    const extra = data && Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : '';
    write(`${at === 'info' ? '' : `${at}: `}${message}${extra}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that keeps its records, for tests and for `--json` summaries. */
export function createMemoryLogger(): Logger & {
  records: { level: string; message: string; data?: Record<string, unknown> }[];
} {
  const records: { level: string; message: string; data?: Record<string, unknown> }[] = [];
  const emit = (level: string) => (message: string, data?: Record<string, unknown>) => {
    records.push({ level, message, ...(data && { data }) });
  };
  return { records, debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
