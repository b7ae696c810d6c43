import type { KilnContext, RewardInput } from '@kiln/core';

/** Scores one completion: the weighted sum of the chosen reward functions. */
export type RewardOf = (input: RewardInput) => Promise<number>;

/**
 * GRPO's reward: every reward plugin's weighted sum (the reward hook), or only the ones `names`
 * lists (align.rewards), so one config can hold a reward model and an exact-match control and
 * each run uses one. A name no plugin provides is an error listing the names there are.
 */
export function chooseRewards(names: readonly string[] | undefined, ctx: KilnContext, where: string): RewardOf {
  const all = ctx.hooks.rewards();
  if (all.length === 0)
    throw new Error(
      `${where}: no reward function: add a reward plugin (e.g. rewards.exactMatch() from @kiln/rewards) to plugins`,
    );
  if (names === undefined) return async (input) => (await ctx.hooks.reward(input)).total;
  const chosen = names.map((name) => {
    const fn = all.find((f) => f.name === name);
    if (!fn)
      throw new Error(
        `${where}: align.rewards names '${name}', but the reward plugins provide: ${all.map((f) => `'${f.name}'`).join(', ')}`,
      );
    return fn;
  });
  return async (input) => {
    let total = 0;
    for (const fn of chosen) {
      const points = await fn.score(input, ctx);
      if (typeof points !== 'number' || !Number.isFinite(points))
        throw new Error(`${where}: reward '${fn.name}' returned ${String(points)}, not a finite number`);
      total += (fn.weight ?? 1) * points;
    }
    return total;
  };
}
