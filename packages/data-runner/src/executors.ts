/**
 * Where the worker part of a pass runs: on this thread, or on a pool of
 * threads that each load the config. The queue executor (queue.ts) is
 * the third kind. All return the same outcome for the same shard.
 */
import type { Doc, KilnContext } from '@kiln/core';
import type { ConfigRef } from './load.js';
import { runStretch, type ShardOutcome } from './pass.js';
import { type Plan, passesOf } from './plan.js';
import { siblingModule, taskPool } from './pool.js';
import type { ShardTask } from './thread.js';

export interface ShardExecutor {
  /** Shards of one stretch in flight at once. */
  readonly window: number;
  /** Said in the log: where the work runs. */
  readonly description: string;
  run(stretch: number, shard: number, docs: Doc[]): Promise<ShardOutcome[]>;
  close(): Promise<void>;
}

export function inProcessExecutor(plan: Plan, ctx: KilnContext): ShardExecutor {
  return {
    window: 1,
    description: '1 thread',
    run: (stretch, _shard, docs) => runStretch(passesOf(plan, stretch), docs, ctx),
    close: async () => {},
  };
}

/**
 * Shards go to a pool of threads; until every thread has loaded the config (a second or so),
 * this thread cleans the first shards itself rather than wait. Which shard ran where changes
 * nothing in the output.
 */
export function poolExecutor(ref: ConfigRef, threads: number, plan: Plan, ctx: KilnContext): ShardExecutor {
  const pool = taskPool<ShardTask, ShardOutcome[]>(
    { module: siblingModule(import.meta.url, './thread'), init: ref },
    threads,
  );
  let ready = false;
  let failure: unknown;
  const warm = Promise.all(Array.from({ length: threads }, () => pool.run({ stretch: 0, docs: [] }))).then(
    () => void (ready = true),
    (error: unknown) => void (failure = error),
  );
  // At most one window of shards runs here, one after another (runStretch's before/after counts must not interleave).
  const window = threads * 2;
  let here: Promise<unknown> = Promise.resolve();
  const ran = { here: 0, pool: 0 };
  return {
    window,
    description: `${threads} threads`,
    run(stretch, _shard, docs) {
      if (failure !== undefined) return Promise.reject(failure);
      if (ready || ran.here >= window) {
        ran.pool++;
        return pool.run({ stretch, docs });
      }
      ran.here++;
      const run = here.then(() => runStretch(passesOf(plan, stretch), docs, ctx));
      here = run.catch(() => {});
      return run;
    },
    async close() {
      await warm;
      await pool.close();
      ctx.logger.debug(
        `data: ${ran.pool} shard task(s) on the threads, ${ran.here} on the main thread while they started`,
      );
    },
  };
}
