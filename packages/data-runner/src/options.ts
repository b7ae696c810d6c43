/**
 * The runner's options in the `data` section: threads, a queue, shard size. Core checks the
 * section with this schema when the config loads; the runner fills in the defaults.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

export const dataRunnerOptions = z.looseObject({
  /** Worker threads for cleaning (default: every core; 1 cleans on the main thread). */
  threads: z.number().int().min(1).optional(),
  /** redis://HOST:PORT: shards go to a BullMQ queue that `kiln worker` processes take from. */
  queue: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'a Redis URL, e.g. redis://10.0.0.5:6379')
    .optional(),
  /** Characters per shard (default 256 Ki on threads, 2 Mi on a queue). Output does not depend on it. */
  shardChars: z.number().int().min(1).optional(),
  /** Shards of one pass in flight on a queue (default 32): the coordinator holds their input, so this bounds its memory. */
  queueWindow: z.number().int().min(1).optional(),
});

export type DataRunnerOptions = z.output<typeof dataRunnerOptions>;

export interface DataOptions {
  threads: number;
  queue?: string;
  shardChars: number;
  queueWindow: number;
}

/** The checked options with their defaults. */
export function withDefaults(o: DataRunnerOptions): DataOptions {
  return {
    threads: o.threads ?? availableParallelism(),
    ...(o.queue !== undefined && { queue: o.queue }),
    shardChars: o.shardChars ?? (o.queue ? 2 << 20 : 256 << 10),
    queueWindow: o.queueWindow ?? 32,
  };
}
