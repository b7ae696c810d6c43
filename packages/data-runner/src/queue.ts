/**
 * The data stage's coordinator on a BullMQ queue: each shard of each stretch of passes is
 * a job whose input and output are files in the run directory. Job ids are
 * the run, stretch, shard and a hash of the input, so a restarted coordinator
 * that cuts the same shards finds the jobs already done (or still running) in
 * Redis and waits only for the rest; a job whose worker died is retried by
 * another (BullMQ's stalled-job check) and its output file is written once,
 * atomically, so nothing is counted twice.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Doc, KilnContext } from '@kiln/core';
import { KilnError } from '@kiln/core';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { ShardExecutor } from './executors.js';
import type { ConfigRef } from './load.js';
import type { ShardOutcome } from './pass.js';
import { chainFingerprint, type Plan } from './plan.js';
import { checkRedis, DATA_QUEUE, redisConnection } from './redis.js';
import { encodeShard, readShardFile, writeShardFile } from './store.js';

/** What a `kiln worker` receives. */
export interface ShardJobData {
  /** Index into the plan's stretches. */
  stretch: number;
  shard: number;
  input: string;
  output: string;
  config: ConfigRef;
}

/** A failing shard (a bug, a bad document) is tried this many times before the stage fails. */
const ATTEMPTS = 3;
export const WORK_DIR = 'data/queue';
/** Jobs of a stage that never finished stay in Redis this long for a restarted coordinator, then go. */
const KEEP_SECONDS = 7 * 24 * 3600;

export interface DataQueue {
  executor(plan: Plan, options: { shardChars: number; window: number }): ShardExecutor;
  /** After a finished stage: the jobs and shard files are no longer needed. */
  cleanUp(): Promise<void>;
}

export async function openQueue(url: string, ctx: KilnContext): Promise<DataQueue> {
  await checkRedis(url, 'data.queue');
  const configFile = ctx.config.configFile;
  if (configFile === undefined)
    throw new KilnError(
      'data.queue: workers load the config from its file, so the config must be a file (llm.config.ts)',
      { exitCode: 2 },
    );
  const connections = [redisConnection(url), redisConnection(url)];
  const queue = new Queue<ShardJobData>(DATA_QUEUE, { connection: connections[0] });
  const events = new QueueEvents(DATA_QUEUE, { connection: connections[1] });
  await events.waitUntilReady();
  const dir = ctx.runDir.path(WORK_DIR);
  await mkdir(dir, { recursive: true });
  const jobs: string[] = [];
  let resumed = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (resumed > 0) ctx.logger.info(`data: ${resumed} shard(s) were already done in Redis (resumed)`);
    await events.close();
    await queue.close();
    // BullMQ leaves connections it was given open.
    await Promise.all(connections.map((c) => c.quit()));
  };
  return {
    executor(plan, options) {
      const ref: ConfigRef = { root: ctx.config.root, configFile, fingerprint: chainFingerprint(plan.chain) };
      queue.setMaxListeners(options.window * 2 + 10); // one 'closing' listener per shard awaited
      const runKey = sha(`${ctx.runDir.root}\n${ref.fingerprint}\n${options.shardChars}`).slice(0, 12);
      return {
        window: options.window,
        description: `the queue ${DATA_QUEUE} at ${url}`,
        async run(stretch: number, shard: number, docs: Doc[]): Promise<ShardOutcome[]> {
          const input = encodeShard(docs);
          const id = `${runKey}-${stretch}-${shard}-${sha(input).slice(0, 16)}`;
          jobs.push(id);
          const files = { input: join(dir, `${id}.in`), output: join(dir, `${id}.out`) };
          const existing = await Job.fromId<ShardJobData>(queue, id);
          if (existing && (await existing.getState()) === 'completed' && existsSync(files.output)) {
            resumed++;
            return readShardFile<ShardOutcome[]>(files.output);
          }
          if (existing && (await existing.getState()) === 'completed') await existing.remove(); // its output is gone: redo it
          await writeShardFile(files.input, input);
          // Adding an id that exists returns that job: one still running after a coordinator restart is awaited, not redone.
          const job = await queue.add(
            'shard',
            { stretch, shard, ...files, config: ref },
            {
              jobId: id,
              attempts: ATTEMPTS,
              backoff: { type: 'fixed', delay: 500 },
              removeOnComplete: { age: KEEP_SECONDS },
              removeOnFail: { age: KEEP_SECONDS },
            },
          );
          if ((await job.getState()) === 'failed') await job.retry('failed');
          try {
            await job.waitUntilFinished(events);
          } catch (error) {
            throw new KilnError(
              `data: shard ${shard} (passes ${plan.stretches[stretch].map((p) => p + 1).join(', ')}) failed on the workers after ${ATTEMPTS} attempts: ${(error as Error).message}`,
            );
          }
          return readShardFile<ShardOutcome[]>(files.output);
        },
        close,
      };
    },
    async cleanUp() {
      for (const id of jobs) await (await Job.fromId(queue, id))?.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
