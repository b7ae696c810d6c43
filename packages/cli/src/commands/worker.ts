/**
 * The cluster side of `kiln prepare`: `--queue redis://HOST:PORT` (and
 * `--threads N`) on the data commands become data.queue / data.threads, and
 * `kiln worker --queue ...` takes shard jobs from that queue until Ctrl-C or SIGTERM.
 */

import { runDataWorker } from '@kiln/data-runner';
import { type Command, InvalidArgumentError } from 'commander';
import { createCliLogger } from '../cli-logger.js';
import type { CliIO } from '../io.js';

export interface DataRunOptions {
  queue?: string;
  threads?: number;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return n;
};

/** The commands that run the data stage, which take --queue and --threads. */
export const DATA_COMMANDS: readonly string[] = ['run', 'prepare', 'data'];

/** `--queue` and `--threads` on the commands that run the data stage. */
export function withDataRunOptions(command: Command): Command {
  return command
    .option(
      '--queue <url>',
      'clean on `kiln worker` processes through the Redis queue at this URL (redis://HOST:PORT); the run directory must be on storage every worker sees',
    )
    .option('--threads <n>', 'worker threads for cleaning (default: every core)', positiveInt('--threads'));
}

/** The --set overrides those options stand for. */
export function dataRunOverrides(options: DataRunOptions): string[] {
  return [
    ...(options.queue !== undefined ? [`data.queue=${options.queue}`] : []),
    ...(options.threads !== undefined ? [`data.threads=${options.threads}`] : []),
  ];
}

export function registerWorker(program: Command, io: CliIO): void {
  program
    .command('worker')
    .description(
      'take data-preparation shards from a Redis queue (run on any machine that sees the run directory at the same path)',
    )
    .requiredOption('--queue <url>', 'the Redis URL the coordinator was given (redis://HOST:PORT)')
    .option('--threads <n>', 'shards at once, one per thread (default: every core)', positiveInt('--threads'))
    .option(
      '--lock-ms <ms>',
      "how soon a dead worker's shard is handed to another (default 30000)",
      positiveInt('--lock-ms'),
    )
    .option('-v, --verbose', 'debug logs', false)
    .action(async (options: { queue: string; threads?: number; lockMs?: number; verbose: boolean }) => {
      const logger = createCliLogger({ json: false, verbose: options.verbose, write: io.stderr });
      const stop = new AbortController();
      const onSignal = () => {
        logger.info('stopping: finishing the shards in hand');
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      io.signal?.addEventListener('abort', onSignal, { once: true });
      try {
        const { shards } = await runDataWorker({
          queue: options.queue,
          threads: options.threads,
          lockMs: options.lockMs,
          logger,
          signal: stop.signal,
        });
        io.stdout(`worker done: ${shards} shard(s)\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
