import { type KilnPlugin, optionsCacheKey } from '@kiln/core';
import { buildReport } from './build-report.js';

export interface ReportPluginOptions {
  /** Output file relative to the run directory (default report.html). */
  file?: string;
}

/** Writes the run's report page at the end of every `kiln run`. */
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
  };
}
