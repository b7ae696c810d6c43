/**
 * Turning the config's `plugins` into plugin objects: nested arrays are
 * flattened, falsy entries skipped, promises awaited, and package names
 * ('kiln-plugin-foo', '@scope/kiln-plugin-foo', [name, options]) imported
 * from the config file's folder and their default-export factory called.
 */
import { join } from 'node:path';
import { ConfigError, messageOf } from '../errors.js';
import { HOOK_NAMES, PLUGIN_FIELDS } from '../hooks.js';
import type { KilnPlugin, PluginOption } from '../types.js';
import { suggestion } from './did-you-mean.js';
import { createModuleLoader } from './load-file.js';
import { isPlainObject } from './merge.js';

/** Every key a plugin object may have (KilnPlugin): its fields and the hooks of the hook table. */
export const PLUGIN_KEYS: readonly string[] = [...PLUGIN_FIELDS, ...HOOK_NAMES];

interface Where {
  /** Config file, for messages. */
  file?: string;
  /** Folder package names resolve from. */
  root: string;
}

function isTuple(value: unknown[]): value is [string, Record<string, unknown>] {
  return value.length === 2 && typeof value[0] === 'string' && isPlainObject(value[1]);
}

/** Checks the shape of a plugin object, with did-you-mean for misspelled hooks. */
export function checkPlugin(value: unknown, field: string, where: Where, from?: string): KilnPlugin {
  const origin = from === undefined ? '' : ` (from "${from}")`;
  if (!isPlainObject(value) && (value === null || typeof value !== 'object')) {
    throw new ConfigError(
      `${where.file ?? 'config'}: ${field}: expected a plugin object${origin}, got ${typeof value}`,
      {
        file: where.file,
        field,
        plugin: from,
      },
    );
  }
  const plugin = value as Partial<KilnPlugin> & Record<string, unknown>;
  if (typeof plugin.name !== 'string' || plugin.name === '') {
    throw new ConfigError(`${where.file ?? 'config'}: ${field}: a plugin needs a non-empty "name"${origin}`, {
      file: where.file,
      field: `${field}.name`,
      plugin: from,
    });
  }
  if (plugin.enforce !== undefined && plugin.enforce !== 'pre' && plugin.enforce !== 'post') {
    throw new ConfigError(
      `${where.file ?? 'config'}: ${field}.enforce: plugin "${plugin.name}" has enforce ${JSON.stringify(plugin.enforce)}; use 'pre' or 'post'`,
      { file: where.file, field: `${field}.enforce`, plugin: plugin.name },
    );
  }
  for (const key of Object.keys(plugin)) {
    if (!PLUGIN_KEYS.includes(key)) {
      throw new ConfigError(
        `${where.file ?? 'config'}: ${field}.${key}: plugin "${plugin.name}" has unknown hook "${key}"${suggestion(key, PLUGIN_KEYS)}`,
        { file: where.file, field: `${field}.${key}`, plugin: plugin.name },
      );
    }
  }
  return plugin as KilnPlugin;
}

async function importPlugin(name: string, options: Record<string, unknown> | undefined, field: string, where: Where) {
  const loader = createModuleLoader(where.file ?? join(where.root, 'llm.config.js'));
  const resolved = loader.esmResolve(name, { try: true });
  if (resolved === undefined) {
    throw new ConfigError(
      `${where.file ?? 'config'}: ${field}: cannot find plugin package "${name}" from ${where.root} (npm install -D ${name})`,
      { file: where.file, field, plugin: name },
    );
  }
  let factory: unknown;
  try {
    factory = await loader.import(resolved, { default: true });
  } catch (error) {
    throw new ConfigError(`${where.file ?? 'config'}: ${field}: [${name}] failed to load: ${messageOf(error)}`, {
      file: where.file,
      field,
      plugin: name,
      cause: error,
    });
  }
  if (typeof factory !== 'function') {
    if (options === undefined) return factory;
    throw new ConfigError(
      `${where.file ?? 'config'}: ${field}: [${name}] takes options but its default export is not a function`,
      {
        file: where.file,
        field,
        plugin: name,
      },
    );
  }
  try {
    return await factory(options);
  } catch (error) {
    throw new ConfigError(`${where.file ?? 'config'}: ${field}: [${name}] plugin factory failed: ${messageOf(error)}`, {
      file: where.file,
      field,
      plugin: name,
      cause: error,
    });
  }
}

async function collect(option: unknown, field: string, where: Where, out: KilnPlugin[], from?: string): Promise<void> {
  const value = await option;
  if (value === false || value === null || value === undefined) return;
  if (typeof value === 'string') {
    await collect(await importPlugin(value, undefined, field, where), field, where, out, value);
  } else if (Array.isArray(value)) {
    if (isTuple(value)) {
      const [name, options] = value;
      await collect(await importPlugin(name, options, field, where), field, where, out, name);
    } else {
      for (let i = 0; i < value.length; i++) await collect(value[i], `${field}[${i}]`, where, out, from);
    }
  } else {
    out.push(checkPlugin(value, field, where, from));
  }
}

/** The plugin objects of a config's `plugins`, in order. */
export async function resolvePlugins(options: PluginOption[] | undefined, where: Where): Promise<KilnPlugin[]> {
  if (options === undefined) return [];
  if (!Array.isArray(options)) {
    throw new ConfigError(`${where.file ?? 'config'}: plugins: expected an array`, {
      file: where.file,
      field: 'plugins',
    });
  }
  const out: KilnPlugin[] = [];
  await collect(options, 'plugins', where, out);
  return out;
}
