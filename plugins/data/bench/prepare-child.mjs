// One data-stage run for the prepare benchmark, in a fresh process on the built packages (as a
// user's `kiln` runs), so that its time and peak RSS are its own: prints { seconds, peakRssMB,
// metrics } as JSON. Args: config file, run directory, --set overrides...
import { dirname } from 'node:path';
import { createKiln, createMemoryLogger } from '@kiln/core';

const [configFile, runDir, ...overrides] = process.argv.slice(2);
const started = performance.now();
const kiln = await createKiln({
  cwd: dirname(configFile),
  configFile,
  runDir,
  overrides,
  command: 'data',
  logger: createMemoryLogger(),
});
try {
  const results = await kiln.run(['data']);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({ seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, metrics: results.data.metrics }),
  );
} finally {
  await kiln.close();
}
