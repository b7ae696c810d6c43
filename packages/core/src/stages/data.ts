/**
 * The data stage: every source's stream, one after another, cut into shards;
 * each shard through every cleaner in stage order (on this thread, on all
 * cores, or on `kiln worker` machines through a Redis queue: data-plan.ts
 * says which part runs where); kept documents written to data/clean.jsonl in
 * input order as they come (bounded memory), then data/report.json (what each
 * rule kept and dropped, and why) and data/manifest.json (what was read).
 * The three files are byte-identical whatever ran the work.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { contextFor } from '../plugin-context.js';
import { tempPathFor } from '../services/run-dir.js';
import type { Doc, KilnContext } from '../types.js';
import { WRITER } from '../version.js';
import { Coordinator } from './data-coordinate.js';
import { addCounts, sortedKeys } from './data-counts.js';
import { inProcessExecutor, poolExecutor, type ShardExecutor } from './data-executors.js';
import { type DataOptions, dataOptions } from './data-options.js';
import { snapshots, stepMethod } from './data-pass.js';
import { chainFingerprint, chainOf, type Plan, passesOf, planPasses } from './data-plan.js';
import { orderedMap } from './data-pool.js';
import { CleanStats, type RuleStats, SourceManifest } from './data-report.js';
import { peek, type Shard, shardsOf } from './data-shards.js';
import type { StageDriver } from './driver.js';
import { docLine } from './jsonl-docs.js';
import { missingProvider } from './missing-provider.js';

export const CLEAN_FILE = 'data/clean.jsonl';

async function* noDocs(): AsyncIterable<Doc> {}

export const dataStage: StageDriver = {
  check(config, hooks) {
    if (hooks.source.taps.length === 0) throw missingProvider(config, 'source', { stage: 'data' });
    dataOptions(config);
  },

  async run(ctx, hooks) {
    const options = dataOptions(ctx.config);
    const plan = planPasses(chainOf(hooks));
    // A queue is checked before anything is read: an unreachable Redis fails in seconds, naming the URL.
    const queue = options.queue
      ? await import('./data-queue.js').then((q) => q.openQueue(options.queue!, ctx))
      : undefined;
    const manifest = new SourceManifest();
    const stats = new CleanStats();
    const totals = { docsIn: 0, charsIn: 0, docsOut: 0, charsOut: 0, dropped: 0 };
    const coordinator = new Coordinator(stats, ctx);
    const documentSteps = plan.passes.flatMap((p) => p.documents);
    const base = await snapshots(documentSteps, ctx);

    async function* read(): AsyncGenerator<Doc> {
      for await (const doc of hooks.source.call(noDocs(), ctx, manifest)) {
        throwIfAborted(ctx.signal, 'the data stage');
        totals.docsIn++;
        totals.charsIn += doc.text.length;
        yield doc;
      }
    }
    // Two shards read ahead: a corpus that fits in one is not worth starting threads for.
    const { head, all } = await peek(shardsOf(read(), options.shardChars), 2);
    const executor = queue
      ? queue.executor(plan, { shardChars: options.shardChars, window: options.queueWindow })
      : pickExecutor(plan, ctx, options, head.length);
    ctx.logger.debug(
      `data: ${plan.passes.length} pass(es) in ${plan.stretches.length} task(s) per shard on ${executor.description}`,
    );

    const file = ctx.runDir.path(CLEAN_FILE);
    const temp = tempPathFor(file);
    await mkdir(dirname(file), { recursive: true });
    const out = createWriteStream(temp, 'utf8');
    const bar = ctx.progress('data', 0);
    try {
      let shards: AsyncIterable<Shard> = all;
      plan.stretches.forEach((_, k) => {
        const input = shards;
        const passes = passesOf(plan, k);
        const local = passes.every((p) => p.documents.length === 0 && p.summaries.length === 0)
          ? inProcessExecutor(plan, ctx)
          : executor;
        shards = (async function* () {
          const outcomes = orderedMap(
            input,
            async (s) => ({ s, outcomes: await local.run(k, s.index, s.docs) }),
            local.window,
          );
          for await (const { s, outcomes: done } of outcomes) {
            throwIfAborted(ctx.signal, 'the data stage');
            yield { ...s, docs: await coordinator.shard(passes, s.docs, done) };
          }
        })();
      });
      for await (const shard of shards) {
        throwIfAborted(ctx.signal, 'the data stage');
        // One write a shard: a stream write per document is a cost the coordinator pays alone.
        let lines = '';
        for (const doc of shard.docs) {
          totals.docsOut++;
          totals.charsOut += doc.text.length;
          lines += docLine(doc);
        }
        if (!out.write(lines)) await once(out, 'drain');
        bar.increment(shard.read, { kept: totals.docsOut });
      }
      out.end();
      await once(out, 'finish');
      await rename(temp, file);
      await queue?.cleanUp();
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    } finally {
      bar.stop();
      await executor.close();
    }
    totals.dropped = totals.docsIn - totals.docsOut;
    const extras = await finishExtras(plan, ctx, base, coordinator.counts);
    await ctx.runDir.writeJson('data/report.json', {
      format: 'kiln-data-report',
      version: 1,
      writer: WRITER,
      ...totals,
      rules: inChainOrder(stats.rules, plan),
      ...(Object.keys(extras).length > 0 && { extras }),
    });
    await ctx.runDir.writeJson('data/manifest.json', manifest.toJSON());
    ctx.metrics.write({ event: 'data', ...totals });
    ctx.logger.info(
      `data: kept ${totals.docsOut} of ${totals.docsIn} documents (${totals.charsOut} of ${totals.charsIn} chars)`,
    );
    return { metrics: totals, outputs: [CLEAN_FILE, 'data/report.json', 'data/manifest.json'] };
  },
};

/** Threads when there is more than one shard, the config is a file threads can load, and more than one is asked for. */
function pickExecutor(plan: Plan, ctx: KilnContext, options: DataOptions, shardsAhead: number): ShardExecutor {
  const configFile = ctx.config.configFile;
  if (options.threads <= 1 || shardsAhead < 2) return inProcessExecutor(plan, ctx);
  if (configFile === undefined) {
    ctx.logger.debug('data: the config is not a file, so worker threads cannot load it: cleaning on 1 thread');
    return inProcessExecutor(plan, ctx);
  }
  return poolExecutor(
    { root: ctx.config.root, configFile, fingerprint: chainFingerprint(plan.chain) },
    options.threads,
    plan,
    ctx,
  );
}

/** Each cleaner's finish() extras, in chain order; per-document cleaners' are the summed counts of every shard. */
async function finishExtras(
  plan: Plan,
  ctx: KilnContext,
  base: Record<number, unknown>,
  counts: Record<number, unknown>,
): Promise<Record<string, unknown>> {
  const extras: Record<string, unknown> = {};
  for (const step of plan.chain) {
    const { index, cleaner, plugin } = step;
    if (!cleaner.finish) continue;
    const extra =
      cleaner.parallel === 'document'
        ? sortedKeys(addCounts(base[index], counts[index]))
        : await stepMethod(step, 'finish', cleaner, cleaner.finish)(contextFor(ctx, plugin));
    if (extra) extras[cleaner.rule] = extra;
  }
  return extras;
}

/**
 * A single-thread run meets the rules in chain order (a document reaching one has passed every
 * earlier one); passes running side by side may meet them otherwise, so the report puts them back.
 */
function inChainOrder(rules: Record<string, RuleStats>, plan: Plan): Record<string, RuleStats> {
  const position = new Map<string, number>();
  for (const { cleaner, index } of plan.chain) if (!position.has(cleaner.rule)) position.set(cleaner.rule, index);
  return Object.fromEntries(Object.entries(rules).sort(([a], [b]) => (position.get(a) ?? 0) - (position.get(b) ?? 0)));
}
