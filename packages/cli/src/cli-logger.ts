/** The CLI's logger: lines on stderr, so stdout carries only results (and JSON with --json). */
import { createStreamLogger, type Logger, type LogLevel } from '@kiln/core';

export function createCliLogger(options: { json: boolean; verbose: boolean; write: (line: string) => void }): Logger {
  const level: LogLevel = options.verbose ? 'debug' : options.json ? 'warn' : 'info';
  return createStreamLogger(level, options.write);
}
