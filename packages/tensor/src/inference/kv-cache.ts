/** The key/value cache of a decoder's layers for generation, shared by the model engines. */
import type { Backend, Buf } from '../backend.js';

/** Keys and values of every layer, (B, Tmax, width) each (width = KV heads × head size). */
export interface KVCache {
  readonly B: number;
  readonly Tmax: number;
  readonly k: Buf[];
  readonly v: Buf[];
}

export function allocKVCache(be: Backend, layers: number, B: number, Tmax: number, width: number): KVCache {
  const k: Buf[] = [];
  const v: Buf[] = [];
  for (let l = 0; l < layers; l++) {
    k.push(be.alloc('f32', B * Tmax * width));
    v.push(be.alloc('f32', B * Tmax * width));
  }
  return { B, Tmax, k, v };
}

export function freeKVCache(be: Backend, cache: KVCache): void {
  for (const b of [...cache.k, ...cache.v]) be.free(b);
}

/** Refuses a cache longer than the model's context; `who` names the engine in the error. */
export function checkCacheLength(who: string, Tmax: number, context: number): void {
  if (Tmax > context) throw new Error(`${who}: a cache of ${Tmax} positions exceeds the context (${context})`);
}

/**
 * Tokens per row of a cached forward of `ids` at positions pos..pos+T-1:
 * they must split into the cache's B rows and fit its Tmax positions.
 */
export function cachedRowLength(who: string, ids: Int32Array, cache: KVCache, pos: number): number {
  const T = ids.length / cache.B;
  if (!Number.isInteger(T) || T < 1)
    throw new Error(`${who}.forward: ${ids.length} ids do not split into ${cache.B} rows`);
  if (pos + T > cache.Tmax) {
    throw new Error(`${who}.forward: positions ${pos}..${pos + T - 1} exceed the cache (${cache.Tmax} positions)`);
  }
  return T;
}

/** Refuses decode arguments that do not match: one row and one position per id, rows distinct in the cache, positions within it. */
export function checkDecodeRows(
  who: string,
  ids: Int32Array,
  cache: KVCache,
  rows: Int32Array,
  positions: Int32Array,
): void {
  if (ids.length === 0) throw new Error(`${who}.decode: no ids given`);
  if (rows.length !== ids.length || positions.length !== ids.length)
    throw new Error(
      `${who}.decode: ${ids.length} ids need as many rows and positions, got ${rows.length} and ${positions.length}`,
    );
  const seen = new Set<number>();
  for (let i = 0; i < ids.length; i++) {
    if (!(Number.isInteger(rows[i]) && rows[i] >= 0 && rows[i] < cache.B))
      throw new Error(`${who}.decode: rows[${i}] = ${rows[i]} is not a row of the cache (${cache.B} rows)`);
    if (seen.has(rows[i])) throw new Error(`${who}.decode: row ${rows[i]} appears twice`);
    seen.add(rows[i]);
    if (!(positions[i] >= 0 && positions[i] < cache.Tmax))
      throw new Error(`${who}.decode: positions[${i}] = ${positions[i]} exceeds the cache (${cache.Tmax} positions)`);
  }
}
