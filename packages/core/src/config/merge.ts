/** Deep merge and deep freeze of plain config objects. */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `override` merged into `base`, returning a new object: plain objects merge
 * key by key, everything else (arrays included) is replaced, and `undefined`
 * in the override leaves the base value alone.
 */
export function deepMerge<T extends Record<string, unknown>>(base: T, override: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out as T;
}

/** Freezes plain objects and arrays all the way down; other objects (plugins, class instances) are left as they are. */
export function deepFreeze<T>(value: T, skip: ReadonlySet<unknown> = new Set()): T {
  if (skip.has(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item, skip);
    return Object.freeze(value);
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) deepFreeze(item, skip);
    return Object.freeze(value);
  }
  return value;
}
