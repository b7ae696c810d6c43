/**
 * Choosing the backend: `backend: 'auto' | 'native' | 'wasm' | 'webgpu' | 'js' | name`.
 * Plugins in the config come first; for 'native', 'wasm' and 'webgpu' core
 * also tries the optional packages @kiln/backend-native, @kiln/backend-wasm
 * and @kiln/backend-webgpu (their default export is a plugin factory). 'auto'
 * takes the available provider with the highest priority (a real GPU >
 * native > wasm > js) and says in one line why it passed over any above it.
 */
import type { Backend } from '@kiln/tensor';
import { suggestion } from '../config/did-you-mean.js';
import { ConfigError, KilnError } from '../errors.js';
import type { KilnHooks, TapMeta } from '../hooks.js';
import { importOptionalPlugin, type ModuleImporter } from '../optional-plugin.js';
import { guarded } from '../plugin-errors.js';
import type { BackendProvider, KilnContext, KilnPlugin, ResolvedConfig } from '../types.js';
import { backendOptionsFor } from './backend-options.js';

export type { ModuleImporter };

/** Backends core knows how to find when no plugin in the config provides them. */
export const OPTIONAL_BACKEND_PACKAGES: Readonly<Record<string, string>> = {
  native: '@kiln/backend-native',
  wasm: '@kiln/backend-wasm',
  webgpu: '@kiln/backend-webgpu',
};

export interface ProviderEntry {
  provider: BackendProvider;
  plugin: KilnPlugin;
  /** Package it was loaded from, when core found it on its own. */
  fromPackage?: string;
}

/** The provider of an optional backend package (its factory takes no options: backendOptions are its door), or undefined when the package is not installed. */
export async function importOptionalBackend(
  name: string,
  importer?: ModuleImporter,
): Promise<ProviderEntry | undefined> {
  const specifier = OPTIONAL_BACKEND_PACKAGES[name];
  if (specifier === undefined) return undefined;
  const plugin = await importOptionalPlugin(specifier, {}, importer);
  if (plugin === undefined) return undefined;
  if (!plugin?.backend) throw new KilnError(`[${specifier}] its plugin provides no backend`, { plugin: specifier });
  return { provider: plugin.backend, plugin, fromPackage: specifier };
}

/**
 * Backend providers: the config's plugins, then the optional packages that are
 * installed (only `only` when given, so asking for 'js' never loads the GPU stack).
 */
export async function listBackendProviders(
  hooks: KilnHooks,
  importer?: ModuleImporter,
  only?: string,
): Promise<ProviderEntry[]> {
  const taps = hooks.backend.taps as unknown as TapMeta[];
  const entries: ProviderEntry[] = taps.map((tap) => ({ provider: tap.item as BackendProvider, plugin: tap.plugin }));
  for (const name of Object.keys(OPTIONAL_BACKEND_PACKAGES)) {
    if ((only !== undefined && name !== only) || entries.some((e) => e.provider.name === name)) continue;
    const entry = await importOptionalBackend(name, importer);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Every backend provider with the options it would receive (for `kiln doctor`). */
export async function backendProvidersWithOptions(
  hooks: KilnHooks,
  config: Pick<ResolvedConfig, 'backendOptions' | 'configFile'>,
): Promise<Array<ProviderEntry & { options: Record<string, unknown> }>> {
  const entries = await listBackendProviders(hooks);
  const raw = config.backendOptions ?? {};
  return Promise.all(entries.map(async (e) => ({ ...e, options: await backendOptionsFor(e, raw, config.configFile) })));
}

async function availability(
  entry: ProviderEntry,
  ctx: KilnContext,
  options: Record<string, unknown>,
): Promise<true | string> {
  const check = guarded(
    entry.plugin,
    'backend.available',
    entry.provider.name,
    entry.provider.available.bind(entry.provider),
  );
  return check(ctx, options);
}

/** Picks and creates the configured backend. */
export async function resolveBackend(hooks: KilnHooks, ctx: KilnContext, importer?: ModuleImporter): Promise<Backend> {
  const wanted = ctx.config.backend;
  const raw = ctx.config.backendOptions ?? {};
  const entries = await listBackendProviders(hooks, importer, wanted === 'auto' ? undefined : wanted);
  const optionsOf = (entry: ProviderEntry) => backendOptionsFor(entry, raw, ctx.config.configFile);
  let chosen: ProviderEntry | undefined;
  if (wanted === 'auto') {
    const reasons: string[] = [];
    for (const entry of [...entries].sort((a, b) => b.provider.priority - a.provider.priority)) {
      const ok = await availability(entry, ctx, await optionsOf(entry));
      if (ok === true) {
        chosen = entry;
        break;
      }
      reasons.push(`${entry.provider.name}: ${ok}`);
    }
    if (!chosen)
      throw new KilnError(`backend 'auto': no backend is available here (${reasons.join('; ') || 'none installed'})`, {
        exitCode: 2,
      });
    if (reasons.length > 0) ctx.logger.info(`backend 'auto': using ${chosen.provider.name} (${reasons.join('; ')})`);
  } else {
    chosen = entries.find((e) => e.provider.name === wanted);
    if (!chosen) {
      const pkg = OPTIONAL_BACKEND_PACKAGES[wanted];
      const known = entries.map((e) => e.provider.name).join(', ') || 'none';
      throw new ConfigError(
        pkg
          ? `backend '${wanted}' needs the package ${pkg}: npm install ${pkg} (or add a plugin providing it)`
          : `backend '${wanted}': no plugin provides it (available: ${known})${suggestion(wanted, [...entries.map((e) => e.provider.name), ...Object.keys(OPTIONAL_BACKEND_PACKAGES)])}`,
        { field: 'backend', file: ctx.config.configFile },
      );
    }
    const ok = await availability(chosen, ctx, await optionsOf(chosen));
    if (ok !== true)
      throw new KilnError(`backend '${wanted}' is not available here: ${ok}`, {
        plugin: chosen.plugin.name,
        exitCode: 2,
      });
  }
  const create = guarded(
    chosen.plugin,
    'backend.create',
    chosen.provider.name,
    chosen.provider.create.bind(chosen.provider),
  );
  const backend = await create(await optionsOf(chosen), ctx);
  ctx.logger.info(`backend: ${chosen.provider.name} (${backend.info.device})`);
  return backend;
}
