/** Pool thread task of the data stage: one stretch of passes of the chain over one shard. */
import type { Doc } from '@kiln/core';
import { type ConfigRef, loadChain } from './load.js';
import { runStretch, type ShardOutcome } from './pass.js';
import { passesOf } from './plan.js';

export interface ShardTask {
  /** Index into the plan's stretches. */
  stretch: number;
  docs: Doc[];
}

export async function createTask(ref: ConfigRef) {
  const { plan, ctx } = await loadChain(ref);
  return (task: ShardTask): Promise<ShardOutcome[]> => runStretch(passesOf(plan, task.stretch), task.docs, ctx);
}
