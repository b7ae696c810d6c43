import { resolve } from 'node:path';
import { type KilnPlugin, optionsCacheKey } from '@kiln/core';
import { buildReport } from './build-report.js';

export interface ReportPluginOptions {
  /** Output file relative to the run directory (default report.html). */
  file?: string;
}

/** Writes the run's report page at the end of every `kiln run`, and adds `kiln report` to the CLI. */
export default function report(options: ReportPluginOptions = {}): KilnPlugin {
  return {
    name: 'kiln:report',
    // It takes part in no stage; declared so that no config edit is ever read as a change to it.
    cacheKey: optionsCacheKey(options),
    version: '0.1.0',
    enforce: 'post',
    async onRunEnd(_result, ctx) {
      const path = await buildReport(ctx.runDir.root, { out: ctx.runDir.path(options.file ?? 'report.html') });
      ctx.logger.info(`report: ${path}`);
    },
    command: {
      name: 'report',
      description: 'turn a run into a page: loss curves, throughput, data report, evaluation, samples',
      options: [{ flags: '-o, --out <file>', description: 'output file (default: report.html in the run directory)' }],
      async run(_args, o, ctx) {
        const out =
          typeof o.out === 'string' ? resolve(ctx.cwd, o.out) : ctx.runDir.path(options.file ?? 'report.html');
        const path = await buildReport(ctx.runDir.root, { out });
        ctx.print(o.json ? `${JSON.stringify({ ok: true, report: path })}\n` : `wrote ${path}\n`);
      },
    },
  };
}
