import type { Dropped, KilnContext } from '@kiln/core';

/** Cleaners only call ctx.drop and ctx.logger; benchmarks run them without a Kiln run. */
export function benchContext(): KilnContext {
  const noop = () => {};
  return {
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    drop: (rule: string, detail?: string, duplicateOf?: string): Dropped => ({
      dropped: true,
      rule,
      detail,
      duplicateOf,
    }),
    config: { root: process.cwd() },
  } as unknown as KilnContext;
}
