// A local plugin (a plain object, no package needed): at the end of the run it
// logs one sample generation and where the run directory is (kiln:report logs its page).
import type { KilnPlugin } from '@kiln/core';

interface SamplesFile {
  samples: Array<{ prompt: string; completion: string }>;
}

export default function printSample(): KilnPlugin {
  return {
    name: 'quickstart:print-sample',
    enforce: 'post',
    async onRunEnd(_results, ctx) {
      const file = await ctx.runDir.readJson<SamplesFile>('eval/samples.json');
      const first = file?.samples[0];
      if (first) ctx.logger.info(`sample: ${JSON.stringify(first.prompt + first.completion)}`);
      ctx.logger.info(`run directory: ${ctx.runDir.root}`);
    },
  };
}
