/**
 * Command-line overrides: `--set train.steps=100`. Values are parsed as JSON
 * when they parse (numbers, booleans, arrays, objects), strings otherwise.
 */
import { ConfigError } from '../errors.js';
import { isPlainObject } from './merge.js';

export interface Override {
  path: string[];
  value: unknown;
  /** As written, for error messages. */
  source: string;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || key === '' || key.split('.').some((part) => part === '')) {
    throw new ConfigError(`--set ${text}: expected key.path=value, e.g. --set train.steps=100`, {
      field: key || undefined,
    });
  }
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: keep the string as written.
  }
  return { path: key.split('.'), value, source: text };
}

/** A copy of `config` with each override applied in order. `plugins` cannot be overridden. */
export function applyOverrides<T extends Record<string, unknown>>(config: T, overrides: readonly Override[]): T {
  let out: Record<string, unknown> = { ...config };
  for (const override of overrides) {
    if (override.path[0] === 'plugins') {
      throw new ConfigError(`--set ${override.source}: plugins cannot be set from the command line`, {
        field: 'plugins',
      });
    }
    out = setPath(out, override.path, override.value, override.source);
  }
  return out as T;
}

function setPath(
  target: Record<string, unknown>,
  path: string[],
  value: unknown,
  source: string,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head];
  if (child !== undefined && !isPlainObject(child)) {
    throw new ConfigError(`--set ${source}: "${head}" is ${JSON.stringify(child)}, not an object`, { field: head });
  }
  return { ...target, [head]: setPath(child ?? {}, rest, value, source) };
}
