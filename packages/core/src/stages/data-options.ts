/** The data stage's own options (the `data` config section): threads, a queue, shard size. */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { configError } from '../config/schema.js';
import type { ResolvedConfig } from '../types.js';

const schema = z.looseObject({
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

export interface DataOptions {
  threads: number;
  queue?: string;
  shardChars: number;
  queueWindow: number;
}

export function dataOptions(config: ResolvedConfig): DataOptions {
  const parsed = schema.safeParse(config.data ?? {});
  if (!parsed.success) {
    throw configError(
      config.configFile,
      parsed.error.issues.map((issue) => ({ field: ['data', ...issue.path].join('.'), message: issue.message })),
    );
  }
  const o = parsed.data;
  return {
    threads: o.threads ?? availableParallelism(),
    ...(o.queue !== undefined && { queue: o.queue }),
    shardChars: o.shardChars ?? (o.queue ? 2 << 20 : 256 << 10),
    queueWindow: o.queueWindow ?? 32,
  };
}
