import { orderedMap as ordered, type TaskModule, taskPool } from '@kiln/data-runner';

export { siblingModule } from '@kiln/data-runner';

/**
 * Maps batches through @kiln/data-runner's worker pool (piscina) and yields results in input
 * order, with at most 2 batches in flight per thread, so output never depends on
 * which thread finished first and memory stays bounded.
 */
export async function* orderedMap<In, Out>(
  batches: AsyncIterable<In>,
  task: TaskModule,
  threads: number,
): AsyncGenerator<Out> {
  const pool = taskPool<In, Out>(task, threads);
  try {
    yield* ordered(batches, (batch) => pool.run(batch), threads * 2);
  } finally {
    await pool.close();
  }
}
