/**
 * The data runner as a plugin: `data.runner: 'parallel'`, which core also picks on its own when
 * this package is installed and no plugin in the config provides a runner.
 */
import type { KilnPlugin } from '@kiln/core';
import { type DataRunnerOptions, dataRunnerOptions, withDefaults } from './options.js';
import { runParallel } from './run.js';

const VERSION = '0.1.0';

export default function dataRunner(): KilnPlugin {
  return {
    name: 'kiln:data-runner',
    version: VERSION,
    dataRunner: {
      name: 'parallel',
      options: dataRunnerOptions,
      // Core checked the options with this schema when the config loaded.
      run: (input, options, ctx) => runParallel(input, withDefaults(options as DataRunnerOptions), ctx),
    },
  };
}
