/**
 * The configure phase, in order: load the file (or take an inline config),
 * apply --set overrides, validate, resolve plugins, run the plugins' config
 * hooks (sequential deep-merge), re-apply overrides (the command line wins),
 * validate again, validate each provider's section with its own schema,
 * then freeze. After this, nothing may change the config or add a plugin.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { KilnHooks, TapMeta } from '../hooks.js';
import type { ConfigEnv, KilnPlugin, ResolvedConfig, StandardSchemaV1, StageName, UserConfig } from '../types.js';
import { loadConfigFile } from './load-file.js';
import { deepFreeze, isPlainObject } from './merge.js';
import { applyOverrides, type Override } from './overrides.js';
import { resolvePlugins } from './plugins.js';
import { checkSection, checkUserConfig, configError, type ConfigProblem } from './schema.js';

export const DEFAULT_SEED = 1337;

export interface LoadedUserConfig {
  user: UserConfig;
  file?: string;
  root: string;
  plugins: KilnPlugin[];
}

/** Evaluates what a config file exports: object, promise, or function of the environment. */
async function evaluateExport(exported: unknown, env: ConfigEnv, file: string | undefined): Promise<UserConfig> {
  const value = typeof exported === 'function' ? await (exported as (env: ConfigEnv) => unknown)(env) : await exported;
  if (!isPlainObject(value)) {
    throw new ConfigError(`${file ?? 'config'}: must default-export defineConfig({...}), a promise of it or a function returning it`, {
      file,
    });
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
    options.inline !== undefined ? { file: undefined, exported: options.inline } : await loadConfigFile(options.cwd, options.configFile);
  const loaded = await evaluateExport(exported, options.env, file);
  const user = applyOverrides(loaded as Record<string, unknown>, options.overrides) as UserConfig;
  const problems = checkUserConfig(user);
  if (problems.length > 0) throw configError(file, problems);
  const root = file ? dirname(file) : options.cwd;
  const plugins = await resolvePlugins(user.plugins, { file, root });
  return { user, file, root, plugins };
}

/** The section of each provider-backed stage and the provider chosen for it. */
function sectionProviders(config: UserConfig, hooks: KilnHooks) {
  const trainerFor = (stage: StageName & ('train' | 'finetune' | 'align')) => ({
    section: stage,
    selector: 'trainer',
    provider: hooks.trainer.call(config[stage]?.trainer, stage),
    hook: hooks.trainer,
  });
  return [
    { section: 'tokenizer', selector: 'type', provider: hooks.tokenizer.call(config.tokenizer?.type), hook: hooks.tokenizer },
    { section: 'encode', selector: 'encoder', provider: hooks.encoder.call(config.encode?.encoder), hook: hooks.encoder },
    {
      section: 'model',
      selector: 'architecture',
      provider: hooks.architecture.call(config.model?.architecture),
      hook: hooks.architecture,
    },
    trainerFor('train'),
    trainerFor('finetune'),
    trainerFor('align'),
  ] as const;
}

/** Each provider's options schema validates its section; returns the config with validated (defaulted) sections. */
async function checkProviderSections(config: UserConfig, hooks: KilnHooks, file: string | undefined): Promise<UserConfig> {
  const out: Record<string, unknown> = { ...config };
  const problems: ConfigProblem[] = [];
  for (const { section, selector, provider, hook } of sectionProviders(config, hooks)) {
    const value = (config as Record<string, unknown>)[section] as Record<string, unknown> | undefined;
    const schema = (provider as { options?: StandardSchemaV1 } | undefined)?.options;
    if (value === undefined || !schema) continue;
    const tap = (hook.taps as unknown as TapMeta[]).find((t) => t.item === provider);
    const { [selector]: selected, ...options } = value;
    const checked = await checkSection(schema, options, section, tap?.plugin.name ?? '?');
    problems.push(...checked.problems);
    if (checked.value) out[section] = selected === undefined ? checked.value : { [selector]: selected, ...checked.value };
  }
  if (problems.length > 0) throw configError(file, problems);
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
    throw configError(loaded.file, problems, changers.length ? ` after the config hooks of ${changers.join(', ')}` : '');
  }
  const checked = await checkProviderSections(merged, hooks, loaded.file);
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
