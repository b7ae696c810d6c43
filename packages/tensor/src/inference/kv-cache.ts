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
