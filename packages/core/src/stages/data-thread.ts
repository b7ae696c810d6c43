/** Pool thread task of the data stage: one pass of the chain over one shard. */
import type { Doc } from '../types.js';
import { type ConfigRef, loadChain } from './data-load.js';
import { runPass, type ShardOutcome } from './data-pass.js';

export interface ShardTask {
  pass: number;
  docs: Doc[];
}

export async function createTask(ref: ConfigRef) {
  const { plan, ctx } = await loadChain(ref);
  return (task: ShardTask): Promise<ShardOutcome> => runPass(plan.passes[task.pass], task.docs, ctx);
}
