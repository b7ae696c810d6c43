/**
 * Choosing the data runner: `data.runner` names one; without it, the first a plugin in the config
 * provides, else @kiln/data-runner's when that package is installed (threads and queues), else
 * core's own 'in-process' runner. The chosen runner's options schema checks the `data` section
 * when the config loads, and its options leave the stage's cache key (they place the work).
 */
import { suggestion } from '../config/did-you-mean.js';
import { type ConfigProblem, checkSection, declaredKeys } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { type KilnHooks, tappedItems } from '../hooks.js';
import { ownerOf } from '../hooks-facade.js';
import { importOptionalPlugin, type ModuleImporter } from '../optional-plugin.js';
import type { DataRunnerProvider, KilnPlugin, UserConfig } from '../types.js';
import { optionsOf } from './driver.js';

/** The package core tries when no plugin in the config provides a data runner. */
export const OPTIONAL_DATA_RUNNER = '@kiln/data-runner';
/** Core's own runner (data-in-process.ts). */
export const IN_PROCESS = 'in-process';

interface ChosenRunner {
  provider: DataRunnerProvider;
  plugin: KilnPlugin;
}

/** The runner the config asks for; undefined means core's in-process runner. */
export async function resolveDataRunner(
  config: Pick<UserConfig, 'data'>,
  hooks: KilnHooks,
  importer?: ModuleImporter,
): Promise<ChosenRunner | undefined> {
  const wanted = config.data?.runner;
  if (wanted === IN_PROCESS) return undefined;
  const provider = hooks.dataRunner.call(wanted);
  if (provider) return { provider, plugin: ownerOf(hooks.dataRunner, provider) };
  const plugin = await importOptionalPlugin(OPTIONAL_DATA_RUNNER, {}, importer);
  const optional = plugin?.dataRunner;
  if (plugin && optional && (wanted === undefined || wanted === optional.name)) return { provider: optional, plugin };
  if (wanted === undefined) return undefined;
  const offered = [...tappedItems<DataRunnerProvider>(hooks.dataRunner).map((r) => r.name), IN_PROCESS];
  if (optional) offered.push(optional.name);
  throw new ConfigError(
    `no data runner named "${wanted}"${suggestion(wanted, offered)}; available: ${offered.join(', ')}${optional ? '' : ` (${OPTIONAL_DATA_RUNNER} adds threads and queues: npm install ${OPTIONAL_DATA_RUNNER})`}`,
    { field: 'data.runner' },
  );
}

/** The `data` section checked by its runner's schema (the section as it was when there is nothing to check). */
export async function checkDataSection(
  config: UserConfig,
  hooks: KilnHooks,
): Promise<{ data?: UserConfig['data']; problems: ConfigProblem[] }> {
  if (config.data === undefined) return { problems: [] };
  let runner: ChosenRunner | undefined;
  try {
    runner = await resolveDataRunner(config, hooks);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: [{ field: 'data.runner', message: error.message }] };
  }
  const schema = runner?.provider.options;
  if (!runner || !schema) return { data: config.data, problems: [] };
  const { runner: selected } = config.data;
  const checked = await checkSection(schema, optionsOf(config.data, 'runner'), 'data', runner.plugin.name);
  if (!checked.value) return { problems: checked.problems };
  return { data: { ...(selected !== undefined && { runner: selected }), ...checked.value }, problems: [] };
}

/** The `data` options that place the work (`runner` and the runner's own): they leave the cache key. */
export async function dataPlacement(config: Pick<UserConfig, 'data'>, hooks: KilnHooks): Promise<readonly string[]> {
  if (config.data === undefined) return [];
  const runner = await resolveDataRunner(config, hooks);
  return ['runner', ...declaredKeys(runner?.provider.options)];
}
