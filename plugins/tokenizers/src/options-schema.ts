/**
 * A small Standard Schema (v1) validator for the plugin's options: known keys with
 * their kinds, unknown keys rejected with a did-you-mean. Written here because a
 * plugin imports only Kiln's types, and the option set is small and flat.
 */

import type { StandardResult, StandardSchemaV1 } from '@kiln/core';

export type Kind = 'int' | 'number' | 'string' | 'boolean' | 'string[]' | 'object';

export function optionsSchema(plugin: string, fields: Record<string, Kind>): StandardSchemaV1<Record<string, unknown>> {
  const validate = (value: unknown): StandardResult<Record<string, unknown>> => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { issues: [{ message: `${plugin}: options must be an object` }] };
    const issues: { message: string; path: PropertyKey[] }[] = [];
    for (const [key, v] of Object.entries(value)) {
      const kind = fields[key];
      if (!kind) {
        const hint = didYouMean(key, Object.keys(fields));
        issues.push({ message: `${plugin}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`, path: [key] });
      } else if (v !== undefined && !matches(kind, v)) {
        issues.push({ message: `${plugin}: option "${key}" must be ${kind === 'int' ? 'an integer' : `a ${kind}`}, got ${JSON.stringify(v)}`, path: [key] });
      }
    }
    return issues.length ? { issues } : { value: value as Record<string, unknown> };
  };
  return { '~standard': { version: 1, vendor: 'kiln', validate } };
}

function matches(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'int':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
  }
}

/** The closest known key within edit distance 2. */
export function didYouMean(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
