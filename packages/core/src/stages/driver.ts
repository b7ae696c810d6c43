/** What a built-in stage driver is: a preflight check (is there a provider?) and the run itself. */
import type { KilnHooks } from '../hooks.js';
import type { KilnContext, ResolvedConfig, StageResult } from '../types.js';

export interface StageDriver {
  /** Throws (exit 2) when the stage cannot run with the loaded plugins; called for every stage before any runs. */
  check(config: ResolvedConfig, hooks: KilnHooks): void;
  /** Under mpirun: true when every rank runs the stage (a distributed trainer); otherwise rank 0 runs it alone. */
  everyRank?(config: ResolvedConfig, hooks: KilnHooks): boolean;
  run(ctx: KilnContext, hooks: KilnHooks, how?: StageRunOptions): Promise<StageResult>;
}

export interface StageRunOptions {
  /** The stage was interrupted with the same config and inputs: continue it where the provider can. */
  resume?: boolean;
}

/** A section minus the key that selects its provider: the provider's options. */
export function optionsOf(section: Record<string, unknown> | undefined, selector: string): Record<string, unknown> {
  const { [selector]: _selected, ...options } = section ?? {};
  return options;
}
