import { type KilnContext, type KilnPlugin, optionsCacheKey, type RewardFunction, type RewardInput } from '@kiln/core';

export interface RewardOptions {
  /** Weight in the summed reward (default 1). */
  weight?: number;
  /** Name shown in metrics (defaults per reward). */
  name?: string;
}

/** `options` is the cacheKey: the align stage reruns when a reward's settings (or its function's source) change. */
function plugin(fn: RewardFunction, options: unknown): KilnPlugin {
  return { name: `kiln:reward:${fn.name}`, version: '0.1.0', cacheKey: optionsCacheKey(options), reward: fn };
}

/** The expected answer: meta[field] (default 'answer'); a missing one is an error naming the field. */
function expected(input: RewardInput, field: string, who: string): string {
  const v = input.meta?.[field];
  if (v === undefined || v === null) throw new Error(`${who}: the record has no meta.${field} to compare with`);
  return String(v);
}

/** 1 when the completion (trimmed) equals meta.answer (trimmed), else 0. */
export function exactMatch(o: RewardOptions & { field?: string; caseSensitive?: boolean } = {}): KilnPlugin {
  const name = o.name ?? 'exact-match';
  const field = o.field ?? 'answer';
  return plugin(
    {
      name,
      weight: o.weight,
      score(input) {
        const want = expected(input, field, name).trim();
        const got = input.completion.trim();
        return (o.caseSensitive === false ? got.toLowerCase() === want.toLowerCase() : got === want) ? 1 : 0;
      },
    },
    o,
  );
}

/**
 * The answer pulled out of the completion by a regex (its first capture group,
 * or the whole match) compared with meta.answer: 1 when equal, 0 when not, and
 * `missing` (default 0) when the pattern does not match at all.
 */
export function regexAnswer(
  o: RewardOptions & { pattern: RegExp | string; field?: string; missing?: number },
): KilnPlugin {
  const name = o.name ?? 'regex-answer';
  const re = typeof o.pattern === 'string' ? new RegExp(o.pattern) : o.pattern;
  return plugin(
    {
      name,
      weight: o.weight,
      score(input) {
        const m = re.exec(input.completion);
        if (!m) return o.missing ?? 0;
        return (m[1] ?? m[0]).trim() === expected(input, o.field ?? 'answer', name).trim() ? 1 : 0;
      },
    },
    o,
  );
}

/** 1 when the whole completion matches the format regex (e.g. /^-?\d+$/), else 0. */
export function formatCheck(o: RewardOptions & { pattern: RegExp | string }): KilnPlugin {
  const re = typeof o.pattern === 'string' ? new RegExp(o.pattern) : o.pattern;
  return plugin(
    { name: o.name ?? 'format', weight: o.weight, score: (input) => (re.test(input.completion) ? 1 : 0) },
    o,
  );
}

/** −(characters beyond `maxChars`) / maxChars, 0 within it: discourages rambling. */
export function lengthPenalty(o: RewardOptions & { maxChars: number }): KilnPlugin {
  if (!(o.maxChars > 0)) throw new Error(`lengthPenalty: maxChars must be positive, got ${o.maxChars}`);
  return plugin(
    {
      name: o.name ?? 'length-penalty',
      weight: o.weight,
      score: (input) => -Math.max(0, input.completion.length - o.maxChars) / o.maxChars,
    },
    o,
  );
}

/** A scorer of (prompt, completion) pairs, e.g. a trained reward model (see @kiln/align's RewardModel). */
export interface PairScorer {
  score(prompt: string, completion: string, ctx: KilnContext): Promise<number>;
}

/**
 * Score with a trained reward model, e.g. one the align stage trained:
 * `rewardModel({ load: trainedRewardModel('align/reward-model'), cacheKey: 'align/reward-model' })`
 * (trainedRewardModel from @kiln/align). `load` is called once, on first use, so the model loads
 * only in runs that reward with it. `cacheKey` says what the scores depend on (the model's
 * directory): `load`'s source alone does not show which model it loads.
 */
export function rewardModel(
  o: RewardOptions & { load(ctx: KilnContext): Promise<PairScorer>; cacheKey?: unknown },
): KilnPlugin {
  let scorer: Promise<PairScorer> | undefined;
  return plugin(
    {
      name: o.name ?? 'reward-model',
      weight: o.weight,
      async score(input, ctx) {
        scorer ??= o.load(ctx);
        return (await scorer).score(input.prompt, input.completion, ctx);
      },
    },
    o,
  );
}

/**
 * A reward from any function (sync or async): the quickest way to write your own.
 * Its source is the cache key, unless `cacheKey` says what it depends on (a file it
 * reads, a version), or gives a key that survives reformatting the function.
 */
export function customReward(
  name: string,
  fn: (input: RewardInput, ctx: KilnContext) => number | Promise<number>,
  o: RewardOptions & { cacheKey?: unknown } = {},
): KilnPlugin {
  const { cacheKey, ...rest } = o;
  return plugin(
    { name, weight: o.weight, score: fn },
    { name, ...rest, ...(cacheKey === undefined ? { fn } : { cacheKey }) },
  );
}
