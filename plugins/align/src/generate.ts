import { type Buf, type InferenceEngine, type ModelEngine, noGrad, type Rng, tidy } from '@kiln/tensor';
import type { PolicyModel } from './policy.js';

export interface SampleOptions {
  maxNewTokens: number;
  /** 0: greedy. */
  temperature: number;
  /** Stop tokens (end-of-turn, eos); the stop token is kept in the completion. */
  stopIds: readonly number[];
  rng: Rng;
  /**
   * The KV-cached engine over the model's own weights (policyEngine), so sampling
   * prefills the prompt once and then runs one token per step; without one,
   * sampling recomputes the whole prefix with the model's forward each token.
   */
  engine?: InferenceEngine | null;
}

/**
 * The KV-cached engine of the policy's architecture (ctx.hooks.engine) over its
 * own parameter buffers (no copy, so it follows every optimizer step), or null
 * for a model whose architecture has no decoder engine.
 */
export function policyEngine(
  model: PolicyModel,
  hooks: { engine(model: unknown, who: string): ModelEngine },
): InferenceEngine | null {
  const engine = hooks.engine(model, 'kiln:align');
  return engine.kind === 'causal' ? engine : null;
}

/**
 * Sample n completions of one prompt, all rows at once. With `o.engine` it runs
 * the KV-cached engine (prefill the prompt once per row, then one token per
 * step); without one it recomputes the whole prefix each token (`cache: false`
 * forces that path, which the cached one is tested against).
 */
export async function sampleCompletions(
  model: PolicyModel,
  prompt: readonly number[],
  n: number,
  o: SampleOptions & { cache?: boolean },
): Promise<number[][]> {
  return (await sampleWithLogProbs(model, prompt, n, o)).tokens;
}

/**
 * sampleCompletions, also returning each sampled token's log-probability
 * under the model (log-softmax of its logits, before temperature).
 */
export async function sampleWithLogProbs(
  model: PolicyModel,
  prompt: readonly number[],
  n: number,
  o: SampleOptions & { cache?: boolean },
): Promise<{ tokens: number[][]; logProbs: number[][] }> {
  const engine = o.cache === false ? null : (o.engine ?? null);
  const rows = Array.from({ length: n }, () => [...prompt]);
  const logProbs = Array.from({ length: n }, (): number[] => []);
  const done = new Array<boolean>(n).fill(false);
  const pickAll = (logits: Float32Array, vocab: number, lastOf: (b: number) => number): boolean => {
    for (let b = 0; b < n; b++) {
      if (done[b]) {
        rows[b].push(o.stopIds[0] ?? 0);
        continue;
      }
      const off = lastOf(b) * vocab;
      const next = pick(logits, off, vocab, o);
      rows[b].push(next);
      logProbs[b].push(logSoftmaxAt(logits, off, vocab, next));
      if (o.stopIds.includes(next)) done[b] = true;
    }
    return done.every((d) => d);
  };
  if (n > 0) {
    if (engine) await sampleCached(engine, rows, o, pickAll);
    else await sampleRecompute(model, rows, o, pickAll);
  }
  // Rows that finished early were padded with a stop id after it: cut at the first stop.
  const tokens = rows.map((r) => {
    const c = r.slice(prompt.length);
    const stop = c.findIndex((id) => o.stopIds.includes(id));
    return stop < 0 ? c : c.slice(0, stop + 1);
  });
  return { tokens, logProbs };
}

/** Appends one token to every row from the logits at row b's position lastOf(b); true when all rows are done. */
type PickAll = (logits: Float32Array, vocab: number, lastOf: (b: number) => number) => boolean;

function logSoftmaxAt(logits: Float32Array, off: number, V: number, id: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[off + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[off + v] - max);
  return logits[off + id] - max - Math.log(sum);
}

async function sampleCached(
  engine: InferenceEngine,
  rows: number[][],
  o: SampleOptions,
  pickAll: PickAll,
): Promise<void> {
  const n = rows.length;
  const T0 = rows[0]?.length ?? 0;
  const steps = Math.min(o.maxNewTokens, engine.config.nPositions - T0);
  if (steps <= 0 || n === 0) return;
  const be = engine.backend;
  const V = engine.config.vocabSize;
  const read = async (buf: Buf) => {
    try {
      return Float32Array.from((await be.read(buf)) as Float32Array);
    } finally {
      be.free(buf);
    }
  };
  // The last sampled token is never fed back, so the cache needs prompt + steps - 1 positions.
  const cache = engine.createCache(n, T0 + steps - 1);
  try {
    // The prompt, all rows at once; then one token per step for the rows still sampling (rows that
    // stopped cost nothing with Engine.decode, which gives each row the logits forward would).
    if (
      pickAll(await read(await engine.forward(Int32Array.from(rows.flat()), cache, 0, { lastOnly: true })), V, (b) => b)
    )
      return;
    for (let step = 1; step < steps; step++) {
      const live = rows.flatMap((r, b) => (o.stopIds.includes(r[r.length - 1]) ? [] : [b]));
      const ids = Int32Array.from(live, (b) => rows[b][rows[b].length - 1]);
      const logits = engine.decode
        ? await read(
            await engine.decode(ids, cache, Int32Array.from(live), new Int32Array(live.length).fill(T0 + step - 1)),
          )
        : await read(
            await engine.forward(
              Int32Array.from(rows, (r) => r[r.length - 1]),
              cache,
              T0 + step - 1,
              { lastOnly: true },
            ),
          );
      const at = new Map(live.map((b, i) => [b, i]));
      if (pickAll(logits, V, (b) => (engine.decode ? at.get(b)! : b))) return;
    }
  } finally {
    engine.freeCache(cache);
  }
}

async function sampleRecompute(
  model: PolicyModel,
  rows: number[][],
  o: SampleOptions,
  pickAll: PickAll,
): Promise<void> {
  const ctxLen = model.config?.nPositions ?? Infinity;
  const n = rows.length;
  for (let step = 0; step < o.maxNewTokens; step++) {
    const t = rows[0].length;
    if (t >= ctxLen) break;
    const ids = Int32Array.from(rows.flat());
    const last = await noGrad(() =>
      tidy(() => {
        const { logits } = model.forward(ids, null, { T: t });
        return logits.toArray();
      }),
    );
    const vocab = model.config?.vocabSize ?? last.length / (n * t);
    if (pickAll(last as Float32Array, vocab, (b) => b * t + t - 1)) break;
  }
}

function pick(logits: Float32Array, off: number, V: number, o: SampleOptions): number {
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[off + v] > logits[off + best]) best = v;
  if (o.temperature <= 0) return best;
  let sum = 0;
  const p = new Float64Array(V);
  for (let v = 0; v < V; v++) sum += p[v] = Math.exp((logits[off + v] - logits[off + best]) / o.temperature);
  let u = o.rng.next() * sum;
  for (let v = 0; v < V; v++) if ((u -= p[v]) <= 0) return v;
  return V - 1;
}

/**
 * Greedy completions of many prompts decoded together (continuous batching over
 * the policy's engine): each prompt is prefilled alone and its keys and values
 * copied into a free row of a shared cache, then every unfinished prompt advances
 * one token per Engine.decode step, and a prompt that finishes hands its row to the
 * next. Each row's logits are the ones forward gives that prompt alone, so the
 * tokens are those of sampleCompletions(…, 1, { temperature: 0 }) prompt by prompt,
 * which an engine without decode falls back to.
 */
export async function greedyCompletions(
  model: PolicyModel,
  prompts: ReadonlyArray<readonly number[]>,
  o: { maxNewTokens: number; stopIds: readonly number[]; engine?: InferenceEngine | null; rng: Rng; batch?: number },
): Promise<number[][]> {
  const engine = o.engine;
  if (!engine?.decode) {
    const out: number[][] = [];
    for (const p of prompts) out.push((await sampleCompletions(model, p, 1, { ...o, temperature: 0 }))[0]);
    return out;
  }
  const be = engine.backend;
  const V = engine.config.vocabSize;
  const Tmax = engine.config.nPositions;
  const cache = engine.createCache(Math.max(1, Math.min(o.batch ?? 16, prompts.length)), Tmax);
  const out: number[][] = prompts.map(() => []);
  // Row r holds prompt slots[r] (with its tokens so far), or nothing.
  const slots: Array<{ i: number; tokens: number[] } | null> = new Array(cache.B).fill(null);
  const width = cache.k[0].length / (cache.B * Tmax);
  let next = 0;
  const read = async (buf: Buf) => {
    try {
      return Float32Array.from((await be.read(buf)) as Float32Array);
    } finally {
      be.free(buf);
    }
  };
  /** Appends the greedy token at logits[off]; true when prompt i is finished. */
  const take = (i: number, tokens: number[], logits: Float32Array, off: number) => {
    const id = pick(logits, off, V, { temperature: 0 } as SampleOptions);
    tokens.push(id);
    out[i].push(id);
    const room = Math.min(o.maxNewTokens, Tmax - prompts[i].length);
    return o.stopIds.includes(id) || out[i].length >= room;
  };
  try {
    for (;;) {
      for (let r = 0; r < cache.B; r++) {
        while (!slots[r] && next < prompts.length) {
          const i = next++;
          const tokens = [...prompts[i]];
          if (Math.min(o.maxNewTokens, Tmax - tokens.length) <= 0) continue;
          const own = engine.createCache(1, tokens.length);
          try {
            const logits = await read(await engine.forward(Int32Array.from(tokens), own, 0, { lastOnly: true }));
            for (let l = 0; l < cache.k.length; l++) {
              be.copy({ buf: cache.k[l], offset: r * Tmax * width }, own.k[l], tokens.length * width);
              be.copy({ buf: cache.v[l], offset: r * Tmax * width }, own.v[l], tokens.length * width);
            }
            if (!take(i, tokens, logits, 0)) slots[r] = { i, tokens };
          } finally {
            engine.freeCache(own);
          }
        }
      }
      const live = slots.flatMap((s, r) => (s ? [r] : []));
      if (!live.length) return out;
      const ids = Int32Array.from(live, (r) => slots[r]!.tokens[slots[r]!.tokens.length - 1]);
      const positions = Int32Array.from(live, (r) => slots[r]!.tokens.length - 1);
      const logits = await read(await engine.decode(ids, cache, Int32Array.from(live), positions));
      live.forEach((r, k) => {
        const s = slots[r]!;
        if (take(s.i, s.tokens, logits, k * V)) slots[r] = null;
      });
    }
  } finally {
    engine.freeCache(cache);
  }
}
