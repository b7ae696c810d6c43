/** Choosing how a training stage runs: one process, or data-parallel on the ranks of an mpirun launch. */
import { AdamW, type AdamWOptions, type Backend, type Collective, type Tensor } from '@kiln/tensor';
import { type DataParallelOptions, dataParallel } from './data-parallel.js';
import { oneProcess, type Replicas } from './replicas.js';

export { type DataParallelOptions, dataParallel } from './data-parallel.js';
export { type Batch, countTargets, type Optimizer, oneProcess, type Replicas } from './replicas.js';
export { ShardedAdamW } from './sharded-adamw.js';
export { sameWeights, startTogether } from './start.js';

/**
 * The global batch (`batchSize` rows per micro-step, over all ranks) is split
 * evenly: each rank trains on batchSize / N rows. Thrown before any work.
 */
export function rowsPerRank(batchSize: number, ranks: number, field: string): number {
  if (batchSize % ranks === 0) return batchSize / ranks;
  const up = Math.ceil(batchSize / ranks) * ranks;
  throw new Error(
    `${field} (${batchSize}) is the global batch, split evenly across the ${ranks} ranks of this launch, so it must be a multiple of ${ranks}: use ${up} (or ${up - ranks || ranks}), or launch a number of ranks that divides ${batchSize}`,
  );
}

/** One process (AdamW) outside mpirun, else data-parallel (ZeRO-1 when asked). */
export function replicasFor(
  collective: Collective,
  named: Map<string, Tensor>,
  backend: Backend,
  adamw: AdamWOptions,
  o: Partial<DataParallelOptions> = {},
): Replicas {
  if (collective.size === 1) return oneProcess([...named.values()], new AdamW(named, adamw));
  return dataParallel(collective, named, backend, adamw, { zero: o.zero ?? 0, bucketMB: o.bucketMB ?? 25 });
}
