/**
 * `kiln worker`: takes shard jobs from the data queue and runs them on a pool
 * of threads (so the main thread stays free to renew BullMQ's job locks),
 * writing each shard's outcome atomically beside its input. A worker killed
 * mid-shard leaves its job locked until the lock expires; another worker's
 * stalled-job check then puts it back in the queue.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from '@kiln/core';
import type { Job } from 'bullmq';
import type { ConfigRef } from './load.js';
import type { ShardOutcome } from './pass.js';
import { siblingModule, type TaskPool, taskPool } from './pool.js';
import type { ShardJobData } from './queue.js';
import { encodeShard, readShardFile, writeShardFile } from './store.js';
import type { ShardTask } from './thread.js';

export interface DataWorkerOptions {
  /** redis://HOST:PORT */
  queue: string;
  /** Shards processed at once, each on its own thread (default: every core). */
  threads?: number;
  /** How long a job's lock lasts without renewal: a dead worker's shard goes back to the queue after about this long (default 30 s). */
  lockMs?: number;
  logger: Logger;
  /** Aborting it stops taking jobs and waits for the running ones. */
  signal: AbortSignal;
}

export async function runDataWorker(options: DataWorkerOptions): Promise<{ shards: number }> {
  // Loaded here, not with core: every kiln command and pool thread would pay for BullMQ otherwise.
  const [{ Worker }, { checkRedis, DATA_QUEUE, redisConnection }] = await Promise.all([
    import('bullmq'),
    import('./redis.js'),
  ]);
  await checkRedis(options.queue, 'kiln worker --queue');
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const lockMs = options.lockMs ?? 30_000;
  const pools = new Map<string, TaskPool<ShardTask, ShardOutcome[]>>();
  const poolFor = (ref: ConfigRef) => {
    const key = `${ref.configFile}\n${ref.fingerprint}`;
    let pool = pools.get(key);
    if (!pool)
      pools.set(
        key,
        (pool = taskPool<ShardTask, ShardOutcome[]>(
          { module: siblingModule(import.meta.url, './thread'), init: ref },
          threads,
        )),
      );
    return pool;
  };
  let shards = 0;
  const connection = redisConnection(options.queue);
  const worker = new Worker<ShardJobData>(
    DATA_QUEUE,
    async (job: Job<ShardJobData>) => {
      const { stretch, shard, input, output, config } = job.data;
      const what = `shard ${shard} stretch ${stretch + 1} (${job.id}, attempt ${job.attemptsStarted})`;
      const docs = await readShardFile<ShardTask['docs']>(input);
      options.logger.info(`start ${what}: ${docs.length} documents`);
      const outcome = await poolFor(config).run({ stretch, docs });
      await writeShardFile(output, encodeShard(outcome));
      shards++;
      options.logger.info(`done ${what}: ${docs.length} documents`);
    },
    {
      connection,
      concurrency: threads,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, lockMs / 2),
      maxStalledCount: 3,
    },
  );
  worker.on('failed', (job, error) => options.logger.warn(`failed ${job?.id ?? '?'}: ${error.message}`));
  worker.on('error', (error) => options.logger.error(`queue: ${error.message}`));
  await worker.waitUntilReady();
  options.logger.info(`worker on ${options.queue} (queue ${DATA_QUEUE}), ${threads} thread(s)`);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.close();
  await connection.quit(); // BullMQ leaves connections it was given open
  for (const pool of pools.values()) await pool.close();
  return { shards };
}
