/**
 * Plugins core finds on its own when no plugin in the config provides them (the backends, the
 * data runner): a package whose default export is a plugin factory, imported only if installed.
 */
import { KilnError, messageOf } from './errors.js';
import type { KilnPlugin } from './types.js';

export type ModuleImporter = (specifier: string) => Promise<unknown>;
const defaultImporter: ModuleImporter = (specifier) => import(specifier);

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && messageOf(error).includes(specifier);
}

/** The plugin of an optional package, made with `options`; undefined when the package is not installed. */
export async function importOptionalPlugin(
  specifier: string,
  options: Record<string, unknown>,
  importer: ModuleImporter = defaultImporter,
): Promise<KilnPlugin | undefined> {
  let mod: { default?: unknown };
  try {
    mod = (await importer(specifier)) as { default?: unknown };
  } catch (error) {
    if (isNotFound(error, specifier)) return undefined;
    throw new KilnError(`[${specifier}] failed to load: ${messageOf(error)}`, { cause: error, plugin: specifier });
  }
  if (typeof mod.default !== 'function') {
    throw new KilnError(`[${specifier}] has no default export plugin factory`, { plugin: specifier });
  }
  return (await mod.default(options)) as KilnPlugin;
}
