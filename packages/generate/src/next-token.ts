/**
 * The engine as a NextTokenModel for @kiln/sampling's generation loop.
 * `cachedNextTokenModel` keeps a KV cache: a call whose tokens extend the
 * previous call's runs only the new tokens (one per step while generating),
 * so n tokens cost O(n) forward work. Any other sequence starts a fresh
 * prefill. `uncachedNextTokenModel` reruns the whole context every call
 * (O(n²)); it exists to check the cache against.
 */
import type { NextTokenModel } from '@kiln/sampling';
import type { InferenceEngine, KVCache } from '@kiln/tensor';

async function lastLogits(
  engine: InferenceEngine,
  ids: Int32Array,
  cache: KVCache,
  pos: number,
): Promise<Float32Array> {
  const logits = await engine.forward(ids, cache, pos, { lastOnly: true });
  try {
    return Float32Array.from((await engine.backend.read(logits)) as Float32Array);
  } finally {
    engine.backend.free(logits);
  }
}

function checkLength(engine: InferenceEngine, n: number): void {
  if (n === 0) throw new Error('nextLogits: no tokens given');
  if (n > engine.config.nPositions)
    throw new Error(`nextLogits: ${n} tokens exceed the model's context (${engine.config.nPositions})`);
}

export interface CachedNextTokenModel extends NextTokenModel {
  /** Tokens whose keys and values are in the cache. */
  readonly cachedTokens: number;
  /** Forward passes run and tokens they processed (for tests and benchmarks). */
  readonly stats: { calls: number; tokensProcessed: number };
  /** Frees the cache. */
  dispose(): void;
}

export function cachedNextTokenModel(engine: InferenceEngine): CachedNextTokenModel {
  let cache: KVCache | null = null;
  let seen: number[] = [];
  const stats = { calls: 0, tokensProcessed: 0 };
  const extendsSeen = (tokens: readonly number[]) =>
    tokens.length > seen.length && seen.every((t, i) => tokens[i] === t);
  // Calls run one after another, so two requests sharing a model never interleave inside the cache.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    contextLength: engine.config.nPositions,
    get cachedTokens() {
      return seen.length;
    },
    stats,
    nextLogits(tokens, signal) {
      const run = async () => {
        checkLength(engine, tokens.length);
        signal?.throwIfAborted();
        if (!cache || !extendsSeen(tokens)) {
          if (cache) engine.freeCache(cache);
          cache = engine.createCache(1);
          seen = [];
        }
        const pos = seen.length;
        const fresh = Int32Array.from(tokens.slice(pos));
        stats.calls++;
        stats.tokensProcessed += fresh.length;
        try {
          const logits = await lastLogits(engine, fresh, cache, pos);
          seen = tokens.slice();
          return logits;
        } catch (error) {
          // A failed step leaves the cache half-written: start over next time.
          seen = [];
          throw error;
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    dispose() {
      if (cache) engine.freeCache(cache);
      cache = null;
      seen = [];
    },
  };
}

export function uncachedNextTokenModel(
  engine: InferenceEngine,
): NextTokenModel & { readonly stats: { calls: number; tokensProcessed: number } } {
  const stats = { calls: 0, tokensProcessed: 0 };
  return {
    contextLength: engine.config.nPositions,
    stats,
    async nextLogits(tokens) {
      checkLength(engine, tokens.length);
      stats.calls++;
      stats.tokensProcessed += tokens.length;
      const cache = engine.createCache(1, tokens.length);
      try {
        return await lastLogits(engine, Int32Array.from(tokens), cache, 0);
      } finally {
        engine.freeCache(cache);
      }
    },
  };
}
