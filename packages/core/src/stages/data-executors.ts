/**
 * Where the worker part of a pass runs: on this thread, or on a pool of
 * threads that each load the config. The queue executor (data-queue.ts) is
 * the third kind. All return the same outcome for the same shard.
 */
import type { Doc, KilnContext } from '../types.js';
import type { ConfigRef } from './data-load.js';
import { runPass, type ShardOutcome } from './data-pass.js';
import type { Plan } from './data-plan.js';
import { siblingModule, taskPool } from './data-pool.js';
import type { ShardTask } from './data-thread.js';

export interface ShardExecutor {
  /** Shards of one pass in flight at once. */
  readonly window: number;
  /** Said in the log: where the work runs. */
  readonly description: string;
  run(pass: number, shard: number, docs: Doc[]): Promise<ShardOutcome>;
  close(): Promise<void>;
}

export function inProcessExecutor(plan: Plan, ctx: KilnContext): ShardExecutor {
  return {
    window: 1,
    description: '1 thread',
    run: (pass, _shard, docs) => runPass(plan.passes[pass], docs, ctx),
    close: async () => {},
  };
}

export function poolExecutor(ref: ConfigRef, threads: number): ShardExecutor {
  const pool = taskPool<ShardTask, ShardOutcome>({ module: siblingModule(import.meta.url, './data-thread'), init: ref }, threads);
  return {
    window: threads * 2,
    description: `${threads} threads`,
    run: (pass, _shard, docs) => pool.run({ pass, docs }),
    close: () => pool.close(),
  };
}
