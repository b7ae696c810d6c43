/**
 * `backendOptions`, the one door to a backend's knobs: each backend's `options` schema checks the
 * keys it declares. A config that names its backend gives only that backend's keys (an unknown
 * one gets a did-you-mean); under 'auto' a key must be read by some installed backend, and each
 * gets its own keys. Checked when the config loads, and the backend receives them checked.
 */
import { suggestion } from '../config/did-you-mean.js';
import { type ConfigProblem, checkSection, configError, declaredKeys } from '../config/schema.js';
import type { BackendProvider, KilnPlugin } from '../types.js';

interface Entry {
  provider: BackendProvider;
  plugin: KilnPlugin;
}

/** The keys a backend reads, when its schema lists them (zod objects do); all of them otherwise. */
function ownKeys(provider: BackendProvider, options: Record<string, unknown>): Record<string, unknown> {
  const keys = declaredKeys(provider.options);
  if (keys.length === 0) return options;
  return Object.fromEntries(Object.entries(options).filter(([key]) => keys.includes(key)));
}

async function check(entry: Entry, options: Record<string, unknown>) {
  const schema = entry.provider.options;
  if (!schema) return { value: options, problems: [] };
  return checkSection(schema, options, 'backendOptions', entry.plugin.name);
}

/** Problems of `backendOptions` for the backend named `wanted` (every key its own) or, under 'auto', for every entry. */
export async function backendOptionProblems(
  options: Record<string, unknown>,
  wanted: string,
  entries: readonly Entry[],
): Promise<ConfigProblem[]> {
  if (wanted !== 'auto') {
    const entry = entries.find((e) => e.provider.name === wanted);
    return entry ? (await check(entry, options)).problems : [];
  }
  const known = [...new Set(entries.flatMap((e) => declaredKeys(e.provider.options)))];
  // A backend whose schema lists no keys (or that has none) may read any: then no key is unknown.
  const listsItsKeys = entries.every((e) => declaredKeys(e.provider.options).length > 0);
  const readByNone = listsItsKeys ? Object.keys(options).filter((key) => !known.includes(key)) : [];
  const problems: ConfigProblem[] = readByNone.map((key) => ({
    field: `backendOptions.${key}`,
    message: `no installed backend reads it${suggestion(key, known)} (installed: ${entries.map((e) => e.provider.name).join(', ')})`,
  }));
  for (const entry of entries) problems.push(...(await check(entry, ownKeys(entry.provider, options))).problems);
  return problems;
}

/** The options `entry`'s backend receives: its own keys of `backendOptions`, through its schema. */
export async function backendOptionsFor(
  entry: Entry,
  options: Record<string, unknown>,
  configFile?: string,
): Promise<Record<string, unknown>> {
  const checked = await check(entry, ownKeys(entry.provider, options));
  if (checked.problems.length > 0) throw configError(configFile, checked.problems);
  return checked.value ?? {};
}
