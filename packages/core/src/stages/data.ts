/**
 * The data stage: every source's stream, one after another, through every
 * cleaner in stage order, written to data/clean.jsonl as it goes (constant
 * memory), then data/report.json (what each rule kept and dropped, and why)
 * and data/manifest.json (what was read).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { tempPathFor } from '../services/run-dir.js';
import type { Doc } from '../types.js';
import { CleanStats, isDropped, SourceManifest } from './data-report.js';
import type { StageDriver } from './driver.js';
import { docLine } from './jsonl-docs.js';
import { missingProvider } from './missing-provider.js';
import { WRITER } from '../version.js';

export const CLEAN_FILE = 'data/clean.jsonl';

async function* noDocs(): AsyncIterable<Doc> {}

export const dataStage: StageDriver = {
  check(config, hooks) {
    if (hooks.source.taps.length === 0) throw missingProvider(config, 'source', { stage: 'data' });
  },

  async run(ctx, hooks) {
    const manifest = new SourceManifest();
    const stats = new CleanStats();
    const totals = { docsIn: 0, charsIn: 0, docsOut: 0, charsOut: 0, dropped: 0 };
    const file = ctx.runDir.path(CLEAN_FILE);
    const temp = tempPathFor(file);
    await mkdir(dirname(file), { recursive: true });
    const out = createWriteStream(temp, 'utf8');
    const bar = ctx.progress('data', 0);
    try {
      for await (const doc of hooks.source.call(noDocs(), ctx, manifest)) {
        throwIfAborted(ctx.signal, 'the data stage');
        totals.docsIn++;
        totals.charsIn += doc.text.length;
        const result = await hooks.cleaner.promise(doc, ctx, stats);
        if (isDropped(result)) {
          totals.dropped++;
        } else {
          totals.docsOut++;
          totals.charsOut += result.text.length;
          if (!out.write(docLine(result))) await once(out, 'drain');
        }
        bar.increment(1, { kept: totals.docsOut });
      }
      out.end();
      await once(out, 'finish');
      await rename(temp, file);
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    } finally {
      bar.stop();
    }
    const extras: Record<string, unknown> = {};
    await hooks.cleanerFinish.promise(ctx, extras);
    await ctx.runDir.writeJson('data/report.json', {
      format: 'kiln-data-report',
      version: 1,
      writer: WRITER,
      ...totals,
      rules: stats.rules,
      ...(Object.keys(extras).length > 0 && { extras }),
    });
    await ctx.runDir.writeJson('data/manifest.json', manifest.toJSON());
    ctx.metrics.write({ event: 'data', ...totals });
    ctx.logger.info(`data: kept ${totals.docsOut} of ${totals.docsIn} documents (${totals.charsOut} of ${totals.charsIn} chars)`);
    return { metrics: totals, outputs: [CLEAN_FILE, 'data/report.json', 'data/manifest.json'] };
  },
};
