/**
 * Continuous batching: a NextTokenModel whose sessions (one per generation)
 * share one engine and one KV cache with a row per session. Sessions join and
 * leave between steps; every step decodes the next token of each session that
 * is waiting for one in a single Engine.decode call (one pass over the weights
 * for the whole batch), and a new session's prompt is prefilled on its own
 * between steps. Sampling, seeds and stop rules stay in each generation's own
 * loop (@kiln/sampling), and Engine.decode gives each row the logits its
 * sequence would get alone, so a request's text does not depend on what else
 * is being served.
 *
 * The cache grows (1, 2, 4, … rows, up to `maxBatch`) with the number of
 * sessions open at once; a session beyond `maxBatch` waits for a row. Engines
 * without `decode` get one cached sequence per session instead (the same
 * results, without the shared pass over the weights).
 */
import type { NextTokenModel, NextTokenSession } from '@kiln/sampling';
import type { InferenceEngine, KVCache } from '@kiln/tensor';
import { cachedNextTokenModel } from './next-token.js';

export interface BatchedModelOptions {
  /** Most sessions decoded together, and cache rows at most (default 16). */
  maxBatch?: number;
}

export interface BatchedNextTokenModel extends NextTokenModel {
  open(): NextTokenSession;
  readonly batch: number;
  /** Steps run, rows they decoded, prompts prefilled, and the widest step (for tests and benchmarks). */
  readonly stats: { steps: number; rows: number; prefills: number; widest: number };
  /** Sessions open now (each holds a cache row once it has asked for logits). */
  readonly sessions: number;
  /** Frees the cache; open sessions fail from then on. */
  dispose(): void;
}

interface Waiting {
  session: Session;
  token: number;
  resolve(logits: Float32Array): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Session {
  row: number;
  /** Tokens whose keys and values are in the session's cache row. */
  seen: number[];
  closed: boolean;
}

/** Event-loop turns a step waits for the other open sessions to ask for their next token. */
const GATHER_TURNS = 3;

export function batchedNextTokenModel(
  engine: InferenceEngine,
  options: BatchedModelOptions = {},
): BatchedNextTokenModel {
  const maxBatch = options.maxBatch ?? 16;
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1))
    throw new RangeError(`maxBatch must be an integer >= 1, got ${maxBatch}`);
  const contextLength = engine.config.nPositions;
  if (!engine.decode) return perSession(engine, maxBatch);
  const decode = engine.decode.bind(engine);
  const be = engine.backend;
  const stats = { steps: 0, rows: 0, prefills: 0, widest: 0 };
  let cache: KVCache | null = null;
  let disposed = false;
  const freeRows: number[] = [];
  const rowWaiters: Array<(row: number) => void> = [];
  const open = new Set<Session>();
  let pending: Waiting[] = [];
  let gathering = false;
  // Prefills and steps run one after another on the engine.
  let work: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = work.then(fn, fn);
    work = result.catch(() => undefined);
    return result;
  };

  /** A cache twice as wide (rows keep their place), made between steps. */
  function grow(): void {
    // Another session's grow may have made room already.
    if (freeRows.length > 0 || (cache && cache.B >= maxBatch)) return;
    const rows = cache ? Math.min(maxBatch, cache.B * 2) : 1;
    const wider = engine.createCache(rows, contextLength);
    if (cache) {
      for (let l = 0; l < cache.k.length; l++) {
        be.copy(wider.k[l], cache.k[l], cache.k[l].length);
        be.copy(wider.v[l], cache.v[l], cache.v[l].length);
      }
      engine.freeCache(cache);
    }
    for (let r = rows - 1; r >= (cache?.B ?? 0); r--) freeRows.push(r);
    cache = wider;
  }

  async function takeRow(): Promise<number> {
    if (freeRows.length === 0 && (cache?.B ?? 0) < maxBatch) await serially(async () => grow());
    const row = freeRows.pop();
    if (row !== undefined) return row;
    return new Promise((resolve) => rowWaiters.push(resolve));
  }

  function giveRow(row: number): void {
    const next = rowWaiters.shift();
    if (next) next(row);
    else freeRows.push(row);
  }

  /** The whole sequence through forward on its own, its keys and values then copied into the session's row. */
  async function prefill(s: Session, tokens: readonly number[]): Promise<Float32Array> {
    const own = engine.createCache(1, tokens.length);
    try {
      const logits = await engine.forward(Int32Array.from(tokens), own, 0, { lastOnly: true });
      const out = Float32Array.from((await be.read(logits)) as Float32Array);
      be.free(logits);
      const c = cache!;
      const width = c.k[0].length / (c.B * c.Tmax);
      for (let l = 0; l < c.k.length; l++) {
        be.copy({ buf: c.k[l], offset: s.row * c.Tmax * width }, own.k[l], tokens.length * width);
        be.copy({ buf: c.v[l], offset: s.row * c.Tmax * width }, own.v[l], tokens.length * width);
      }
      s.seen = tokens.slice();
      stats.prefills++;
      return out;
    } finally {
      engine.freeCache(own);
    }
  }

  /** Runs one step once every open session waits for its next token, or after a few turns of the event loop. */
  function gather(turns = 0): void {
    const waiting = pending.length;
    const ready = [...open].filter((s) => s.row >= 0).length;
    if (waiting < ready && turns < GATHER_TURNS) {
      setImmediate(() => gather(turns + 1));
      return;
    }
    gathering = false;
    const batch = pending;
    pending = [];
    if (batch.length) void serially(() => step(batch));
  }

  async function step(batch: Waiting[]): Promise<void> {
    const live = batch.filter((w) => {
      w.signal?.removeEventListener('abort', w.onAbort!);
      return !w.signal?.aborted;
    });
    if (!live.length) return;
    const V = engine.config.vocabSize;
    try {
      const ids = Int32Array.from(live, (w) => w.token);
      const rows = Int32Array.from(live, (w) => w.session.row);
      const positions = Int32Array.from(live, (w) => w.session.seen.length);
      const logits = await decode(ids, cache!, rows, positions);
      const all = (await be.read(logits)) as Float32Array;
      be.free(logits);
      stats.steps++;
      stats.rows += live.length;
      stats.widest = Math.max(stats.widest, live.length);
      live.forEach((w, i) => {
        w.session.seen.push(w.token);
        w.resolve(all.slice(i * V, (i + 1) * V));
      });
    } catch (error) {
      // The rows may be half written: their sessions prefill again next time.
      for (const w of live) {
        w.session.seen = [];
        w.reject(error);
      }
    }
  }

  const extendsByOne = (seen: readonly number[], tokens: readonly number[]) =>
    tokens.length === seen.length + 1 && seen.every((t, i) => tokens[i] === t);

  return {
    contextLength,
    batch: maxBatch,
    stats,
    get sessions() {
      return open.size;
    },
    open(): NextTokenSession {
      const s: Session = { row: -1, seen: [], closed: false };
      open.add(s);
      return {
        async nextLogits(tokens, signal) {
          if (disposed || s.closed) throw new Error('nextLogits: the session or its model was closed');
          if (tokens.length === 0) throw new Error('nextLogits: no tokens given');
          if (tokens.length > contextLength)
            throw new Error(`nextLogits: ${tokens.length} tokens exceed the model's context (${contextLength})`);
          signal?.throwIfAborted();
          if (s.row < 0) s.row = await takeRow();
          if (!extendsByOne(s.seen, tokens)) return serially(() => prefill(s, tokens));
          return new Promise<Float32Array>((resolve, reject) => {
            const w: Waiting = { session: s, token: tokens[tokens.length - 1], resolve, reject, signal };
            if (signal) {
              w.onAbort = () => {
                pending = pending.filter((p) => p !== w);
                reject(signal.reason);
              };
              signal.addEventListener('abort', w.onAbort, { once: true });
            }
            pending.push(w);
            if (!gathering) {
              gathering = true;
              setImmediate(() => gather());
            }
          });
        },
        close() {
          if (s.closed) return;
          s.closed = true;
          open.delete(s);
          if (s.row >= 0) giveRow(s.row);
          s.row = -1;
        },
      };
    },
    nextLogits() {
      throw new Error('nextLogits: a batched model is used through open() sessions, one per generation');
    },
    dispose() {
      disposed = true;
      if (cache) engine.freeCache(cache);
      cache = null;
    },
  };
}

/** Engines without decode: each session keeps its own cached sequence; calls run one at a time. */
function perSession(engine: InferenceEngine, maxBatch: number): BatchedNextTokenModel {
  const sessions = new Set<ReturnType<typeof cachedNextTokenModel>>();
  const stats = { steps: 0, rows: 0, prefills: 0, widest: 0 };
  let work: Promise<unknown> = Promise.resolve();
  return {
    contextLength: engine.config.nPositions,
    batch: maxBatch,
    stats,
    get sessions() {
      return sessions.size;
    },
    open() {
      const own = cachedNextTokenModel(engine);
      sessions.add(own);
      return {
        nextLogits(tokens, signal) {
          const run = () => own.nextLogits(tokens, signal) as Promise<Float32Array>;
          const result = work.then(run, run);
          work = result.catch(() => undefined);
          stats.steps++;
          stats.rows++;
          stats.widest = 1;
          return result;
        },
        close() {
          own.dispose();
          sessions.delete(own);
        },
      };
    },
    nextLogits() {
      throw new Error('nextLogits: a batched model is used through open() sessions, one per generation');
    },
    dispose() {
      for (const s of sessions) s.dispose();
      sessions.clear();
    },
  };
}
