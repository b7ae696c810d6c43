/**
 * The parallel runner of the data stage: the source stream cut into shards; each shard through
 * every stretch of passes (plan.ts) on a pool of threads, or on `kiln worker` machines through a
 * Redis queue, and the coordinator (coordinate.ts) replaying what comes back in input order, so
 * that the output equals core's in-process runner's. On one thread, or when there is only one
 * shard, it hands the documents to core's in-process runner.
 */
import type { CleanedDocs, CleaningRun, Doc, KilnContext } from '@kiln/core';
import { Coordinator } from './coordinate.js';
import { addCounts } from './counts.js';
import { inProcessExecutor, poolExecutor, type ShardExecutor } from './executors.js';
import type { DataOptions } from './options.js';
import { snapshots } from './pass.js';
import { chainFingerprint, type Plan, passesOf, planPasses } from './plan.js';
import { orderedMap } from './pool.js';
import type { DataQueue } from './queue.js';
import { peek, type Shard, shardsOf } from './shards.js';

export async function runParallel(input: CleaningRun, options: DataOptions, ctx: KilnContext): Promise<CleanedDocs> {
  const plan = planPasses(input.chain);
  const describe = (where: string) =>
    ctx.logger.debug(`data: ${plan.passes.length} pass(es) in ${plan.stretches.length} task(s) per shard on ${where}`);
  // A queue is checked before anything is read: an unreachable Redis fails in seconds, naming the URL.
  const queue = options.queue ? await import('./queue.js').then((q) => q.openQueue(options.queue!, ctx)) : undefined;
  if (!queue && (options.threads <= 1 || ctx.config.configFile === undefined)) {
    if (options.threads > 1)
      ctx.logger.debug('data: the config is not a file, so worker threads cannot load it: cleaning on 1 thread');
    describe('1 thread');
    return input.inProcess(input.docs);
  }
  // Two shards read ahead: a corpus that fits in one is not worth starting threads for.
  const { head, all } = await peek(shardsOf(input.docs, options.shardChars), 2);
  if (!queue && head.length < 2) {
    describe('1 thread');
    return input.inProcess(docsOf(all));
  }
  const executor = queue
    ? queue.executor(plan, { shardChars: options.shardChars, window: options.queueWindow })
    : poolExecutor(
        { root: ctx.config.root, configFile: ctx.config.configFile!, fingerprint: chainFingerprint(plan.chain) },
        options.threads,
        plan,
        ctx,
      );
  describe(executor.description);
  return inShards(plan, all, executor, queue, input, ctx);
}

async function* docsOf(shards: AsyncIterable<Shard>): AsyncGenerator<Doc> {
  for await (const shard of shards) yield* shard.docs;
}

/** Every shard through every stretch on `executor`, replayed by one coordinator. */
async function inShards(
  plan: Plan,
  shards: AsyncIterable<Shard>,
  executor: ShardExecutor,
  queue: DataQueue | undefined,
  input: CleaningRun,
  ctx: KilnContext,
): Promise<CleanedDocs> {
  const coordinator = new Coordinator(input.report, ctx);
  const documentSteps = plan.passes.flatMap((p) => p.documents);
  const base = await snapshots(documentSteps, ctx);
  let cleaned: AsyncIterable<Shard> = shards;
  plan.stretches.forEach((_, k) => {
    const from = cleaned;
    const passes = passesOf(plan, k);
    // A stretch with no worker part (only cleaners that need every document in order) stays here.
    const local = passes.every((p) => p.documents.length === 0 && p.summaries.length === 0)
      ? inProcessExecutor(plan, ctx)
      : executor;
    cleaned = (async function* () {
      const outcomes = orderedMap(
        from,
        async (s) => ({ s, outcomes: await local.run(k, s.index, s.docs) }),
        local.window,
      );
      for await (const { s, outcomes: done } of outcomes)
        yield { ...s, docs: await coordinator.shard(passes, s.docs, done) };
    })();
  });
  return {
    batches: (async function* () {
      for await (const shard of cleaned) yield { kept: shard.docs, read: shard.read };
      await queue?.cleanUp();
    })(),
    // Per-document cleaners ran on the workers too: their counts are the shards' sums.
    extras: () =>
      Object.fromEntries(
        documentSteps
          .filter((step) => step.finish)
          .map((step) => [step.index, addCounts(base[step.index], coordinator.counts[step.index])]),
      ),
    close: () => executor.close(),
  };
}
