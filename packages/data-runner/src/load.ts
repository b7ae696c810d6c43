/**
 * A worker (pool thread or remote `kiln worker`) rebuilds the cleaning chain
 * by loading the same config file the coordinator loaded (through @kiln/core's
 * createKiln, as any program would), and refuses to run when its chain differs
 * (other plugin versions, a config that depends on the machine).
 */
import { createKiln, type KilnContext, KilnError, type Logger } from '@kiln/core';
import { chainFingerprint, type Plan, planPasses } from './plan.js';

/** How a worker finds the coordinator's config: both must see it at the same path. */
export interface ConfigRef {
  root: string;
  configFile: string;
  /** The coordinator's chain, to compare with. */
  fingerprint: string;
}

export interface LoadedChain {
  plan: Plan;
  ctx: KilnContext;
}

export async function loadChain(ref: ConfigRef, logger?: Logger): Promise<LoadedChain> {
  const kiln = await createKiln({
    cwd: ref.root,
    configFile: ref.configFile,
    command: 'data',
    ...(logger && { logger }),
  });
  const plan = planPasses(kiln.cleaningChain());
  const mine = chainFingerprint(plan.chain);
  if (mine !== ref.fingerprint) {
    await kiln.close();
    throw new KilnError(
      `${ref.configFile}: this worker's cleaning chain differs from the coordinator's (install the same plugin versions everywhere):\n  coordinator: ${ref.fingerprint}\n  worker:      ${mine}`,
    );
  }
  return { plan, ctx: kiln.context() };
}
