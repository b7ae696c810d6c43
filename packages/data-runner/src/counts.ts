/**
 * Report extras of per-document cleaners are counts; workers send what one
 * shard added (after minus before) and the coordinator sums them (core sorts
 * their keys, so the report is the same however the documents were split up).
 */
type Counts = Record<string, unknown>;

const isObject = (v: unknown): v is Counts => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What `after` adds to `before`: numbers subtract, objects recurse, other values are taken from `after`. */
export function countsDelta(after: unknown, before: unknown): unknown {
  if (typeof after === 'number') return after - (typeof before === 'number' ? before : 0);
  if (!isObject(after)) return after;
  const out: Counts = {};
  for (const [key, value] of Object.entries(after)) {
    const d = countsDelta(value, isObject(before) ? before[key] : undefined);
    if (d !== 0) out[key] = d;
  }
  return out;
}

/** A delta that adds nothing: 0, or an object of such (countsDelta keeps the keys of nested objects). */
export function isZero(delta: unknown): boolean {
  if (typeof delta === 'number') return delta === 0;
  return isObject(delta) && Object.values(delta).every(isZero);
}

/** a + b: numbers add, objects merge key by key, other values: b's when it has one. */
export function addCounts(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (isObject(a) && isObject(b)) {
    const out: Counts = { ...a };
    for (const [key, value] of Object.entries(b)) out[key] = key in out ? addCounts(out[key], value) : value;
    return out;
  }
  return b === undefined ? a : b;
}
