/**
 * The data stage: every source's stream, one after another, through the cleaning chain on a data
 * runner (core's in-process one on this thread, or a plugin's on threads or `kiln worker` machines:
 * data-runners.ts says which); kept documents written to data/clean.jsonl in input order as they
 * come (bounded memory), then data/report.json (what each rule kept and dropped, and why) and
 * data/manifest.json (what was read). The three files are byte-identical whatever ran the work.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { throwIfAborted } from '../errors.js';
import type { KilnHooks } from '../hooks.js';
import { tempPathFor } from '../services/run-dir.js';
import type { CleanedDocs, CleaningStep, Doc, KilnContext } from '../types.js';
import { WRITER } from '../version.js';
import { nothingKept } from './data-empty.js';
import { inProcessRunner } from './data-in-process.js';
import { CleanStats, SourceManifest } from './data-report.js';
import { resolveDataRunner } from './data-runners.js';
import type { StageDriver } from './driver.js';
import { optionsOf } from './driver.js';
import { docLine } from './jsonl-docs.js';
import { missingProvider } from './missing-provider.js';

export const CLEAN_FILE = 'data/clean.jsonl';

async function* noDocs(): AsyncIterable<Doc> {}

export const dataStage: StageDriver = {
  check(config, hooks) {
    if (hooks.source.taps.length === 0) throw missingProvider(config, 'source', { stage: 'data' });
  },

  async run(ctx, hooks) {
    const chain = cleaningChain(hooks);
    const manifest = new SourceManifest();
    const stats = new CleanStats();
    const totals = { docsIn: 0, charsIn: 0, docsOut: 0, charsOut: 0, dropped: 0 };

    async function* read(): AsyncGenerator<Doc> {
      for await (const doc of hooks.source.call(noDocs(), ctx, manifest)) {
        throwIfAborted(ctx.signal, 'the data stage');
        totals.docsIn++;
        totals.charsIn += doc.text.length;
        yield doc;
      }
    }
    const inProcess = inProcessRunner(chain, stats, ctx);
    const runner = await resolveDataRunner(ctx.config, hooks);
    // A runner checks what it needs (a reachable queue) here, before anything is read.
    const cleaned: CleanedDocs = runner
      ? await runner.provider.run(
          { docs: read(), chain, report: stats, inProcess },
          optionsOf(ctx.config.data, 'runner'),
          ctx,
        )
      : inProcess(read());

    try {
      await writeCleanFile(cleaned, ctx, totals);
    } finally {
      await cleaned.close?.();
    }
    totals.dropped = totals.docsIn - totals.docsOut;
    const extras = await finishExtras(chain, ctx, cleaned.extras?.() ?? {});
    await ctx.runDir.writeJson('data/report.json', {
      format: 'kiln-data-report',
      version: 1,
      writer: WRITER,
      ...totals,
      rules: stats.inChainOrder(chain),
      ...(Object.keys(extras).length > 0 && { extras }),
    });
    await ctx.runDir.writeJson('data/manifest.json', manifest.toJSON());
    // Nothing kept: fail here, naming the sources and the rules (the report and manifest stay to look at).
    const empty = nothingKept(totals, stats.rules, hooks);
    if (empty) throw empty;
    ctx.metrics.write({ event: 'data', ...totals });
    ctx.logger.info(
      `data: kept ${totals.docsOut} of ${totals.docsIn} documents (${totals.charsOut} of ${totals.charsIn} chars)`,
    );
    return { metrics: totals, outputs: [CLEAN_FILE, 'data/report.json', 'data/manifest.json'] };
  },
};

/** The kept documents into data/clean.jsonl in order, through a temporary file, one write a batch. */
async function writeCleanFile(
  cleaned: CleanedDocs,
  ctx: KilnContext,
  totals: { docsOut: number; charsOut: number },
): Promise<void> {
  const file = ctx.runDir.path(CLEAN_FILE);
  const temp = tempPathFor(file);
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(temp, 'utf8');
  const bar = ctx.progress('data', 0);
  try {
    for await (const { kept, read } of cleaned.batches) {
      throwIfAborted(ctx.signal, 'the data stage');
      // A stream write per document is a cost paid on the thread every batch waits for.
      let lines = '';
      for (const doc of kept) {
        totals.docsOut++;
        totals.charsOut += doc.text.length;
        lines += docLine(doc);
      }
      if (!out.write(lines)) await once(out, 'drain');
      bar.increment(read, { kept: totals.docsOut });
    }
    out.end();
    await once(out, 'close');
    // As writeFileAtomic does: on disk before it takes the final name.
    const written = await open(temp, 'r');
    await written.sync();
    await written.close();
    await rename(temp, file);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  } finally {
    bar.stop();
  }
}

/** The cleaners in hook order (enforce, stage, config position), each as core calls it. */
export function cleaningChain(hooks: KilnHooks): CleaningStep[] {
  return hooks.cleaner.call([]).map((step, index) => ({ ...step, index }));
}

/**
 * Each cleaner's finish() extras, in chain order: the runner's where it gives them (counts summed
 * over workers), else finish() here. Per-document cleaners' counts are summed in any order, so
 * their keys are sorted: the report is the same however the documents were split up.
 */
async function finishExtras(
  chain: readonly CleaningStep[],
  ctx: KilnContext,
  fromRunner: Record<number, unknown>,
): Promise<Record<string, unknown>> {
  const extras: Record<string, unknown> = {};
  for (const step of chain) {
    if (!step.finish) continue;
    const extra = step.index in fromRunner ? fromRunner[step.index] : await step.finish(ctx);
    if (extra) extras[step.rule] = step.parallel === 'document' ? sortedKeys(extra) : extra;
  }
  return extras;
}

function sortedKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, sortedKeys(object[key])]),
  );
}
