/**
 * The configure phase, in order: load the file (or take an inline config),
 * apply --set overrides, validate, resolve plugins, run the plugins' config
 * hooks (sequential deep-merge), re-apply overrides (the command line wins),
 * validate again, validate each provider's section with its own schema and
 * resolve every name the config gives (providers, backend), then freeze. After this, nothing may change the config or add a plugin.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, messageOf } from '../errors.js';
import type { KilnHooks } from '../hooks.js';
import { checkDataSection } from '../stages/data-runners.js';
import type { ConfigEnv, KilnPlugin, ResolvedConfig, UserConfig } from '../types.js';
import { loadConfigFile } from './load-file.js';
import { deepFreeze, isPlainObject } from './merge.js';
import { applyOverrides, type Override } from './overrides.js';
import { resolvePlugins } from './plugins.js';
import { backendProblems, unknownProviderProblems, vocabularyProblems } from './preflight.js';
import { type ConfigProblem, checkSection, checkUserConfig, configError } from './schema.js';
import { providerSections } from './sections.js';

export const DEFAULT_SEED = 1337;

export interface LoadedUserConfig {
  user: UserConfig;
  file?: string;
  root: string;
  plugins: KilnPlugin[];
}

/** Evaluates what a config file exports: object, promise, or function of the environment. */
async function evaluateExport(exported: unknown, env: ConfigEnv, file: string | undefined): Promise<UserConfig> {
  let value: unknown;
  try {
    value = typeof exported === 'function' ? await (exported as (env: ConfigEnv) => unknown)(env) : await exported;
  } catch (error) {
    // The user's own code threw: say which file it was in, not only what it said.
    if (error instanceof ConfigError && error.file !== undefined) throw error;
    throw new ConfigError(`${file ?? 'config'}: the config threw: ${messageOf(error)}`, { file, cause: error });
  }
  if (!isPlainObject(value)) {
    throw new ConfigError(
      `${file ?? 'config'}: must default-export defineConfig({...}), a promise of it or a function returning it`,
      {
        file,
      },
    );
  }
  return value as UserConfig;
}

/** Load, override, validate and resolve plugins: everything before the plugins' config hooks. */
export async function loadUserConfig(options: {
  cwd: string;
  configFile?: string;
  inline?: unknown;
  env: ConfigEnv;
  overrides: readonly Override[];
}): Promise<LoadedUserConfig> {
  const { file, exported } =
    options.inline !== undefined
      ? { file: undefined, exported: options.inline }
      : await loadConfigFile(options.cwd, options.configFile);
  const loaded = await evaluateExport(exported, options.env, file);
  const user = applyOverrides(loaded as Record<string, unknown>, options.overrides) as UserConfig;
  const problems = checkUserConfig(user);
  if (problems.length > 0) throw configError(file, problems);
  const root = file ? dirname(file) : options.cwd;
  const plugins = await resolvePlugins(user.plugins, { file, root });
  return { user, file, root, plugins };
}

/**
 * Each provider's options schema validates its section, a section naming a provider
 * nobody offers is an error, and so are an unknown backend and a model vocabulary
 * smaller than the tokenizer's. Returns the config with validated (defaulted) sections.
 */
async function checkProviderSections(
  config: UserConfig,
  hooks: KilnHooks,
  loaded: LoadedUserConfig,
): Promise<UserConfig> {
  const out: Record<string, unknown> = { ...config };
  const sections = providerSections(config, hooks);
  const problems: ConfigProblem[] = unknownProviderProblems(sections, {
    configFile: loaded.file,
    plugins: loaded.plugins,
  });
  for (const { section, selector, value, provider, plugin } of sections) {
    const schema = provider?.options;
    if (value === undefined || !schema) continue;
    const { [selector]: selected, ...options } = value;
    const checked = await checkSection(schema, options, section, plugin?.name ?? '?');
    problems.push(...checked.problems);
    if (checked.value)
      out[section] = selected === undefined ? checked.value : { [selector]: selected, ...checked.value };
  }
  const data = await checkDataSection(config, hooks);
  problems.push(...data.problems);
  if (data.data) out.data = data.data;
  problems.push(...(await backendProblems(config, hooks)));
  if (problems.length === 0) problems.push(...vocabularyProblems(out, hooks, providerSections(out, hooks)));
  if (problems.length > 0) throw configError(loaded.file, problems);
  return out as UserConfig;
}

/** Plugins' config hooks, overrides again, validation, freeze. */
export async function finishConfig(
  loaded: LoadedUserConfig,
  hooks: KilnHooks,
  env: ConfigEnv,
  options: { overrides: readonly Override[]; runDir?: string; cwd: string },
): Promise<ResolvedConfig> {
  const { plugins: _plugins, ...base } = loaded.user;
  const hooked = await hooks.config.promise(base, env);
  const merged = applyOverrides(hooked as Record<string, unknown>, options.overrides) as UserConfig;
  const problems = checkUserConfig(merged);
  if (problems.length > 0) {
    const changers = loaded.plugins.filter((p) => p.config).map((p) => p.name);
    throw configError(
      loaded.file,
      problems,
      changers.length ? ` after the config hooks of ${changers.join(', ')}` : '',
    );
  }
  const checked = await checkProviderSections(merged, hooks, loaded);
  const name = checked.name ?? 'default';
  const runDir = options.runDir
    ? resolve(options.cwd, options.runDir)
    : resolve(loaded.root, checked.runDir ?? `runs/${name}`);
  const resolved: ResolvedConfig = {
    ...checked,
    name,
    runDir,
    seed: checked.seed ?? DEFAULT_SEED,
    backend: checked.backend ?? 'auto',
    plugins: Object.freeze([...loaded.plugins]),
    root: loaded.root,
    ...(loaded.file !== undefined && { configFile: loaded.file }),
  };
  return deepFreeze(resolved, new Set<unknown>(loaded.plugins));
}
