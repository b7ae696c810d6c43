/**
 * Worker threads through piscina, for the data stage and for plugins (the
 * shard encoder): a task module exports createTask(init), run once per thread,
 * returning the function each task goes to. orderedMap keeps results in input
 * order with a bounded number in flight, so output never depends on which
 * thread finished first and memory stays bounded.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

const WORKER = new URL('../workers/pool-task.mjs', import.meta.url);

/** The URL of a sibling module of `importMetaUrl`, with the caller's own extension (.ts in sources, .js when built). */
export function siblingModule(importMetaUrl: string, relative: string): string {
  return new URL(relative + extname(fileURLToPath(importMetaUrl)), importMetaUrl).href;
}

export interface TaskModule {
  /** URL of a module exporting createTask(init) → (payload) => result. */
  module: string;
  init: unknown;
}

export interface TaskPool<In, Out> {
  readonly threads: number;
  run(payload: In): Promise<Out>;
  close(): Promise<void>;
}

export function taskPool<In, Out>(task: TaskModule, threads: number): TaskPool<In, Out> {
  const pool = new Piscina({
    filename: WORKER.href,
    workerData: task,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: Infinity,
  });
  // A worker whose task module throws while loading also fails the task that
  // needed it (run() rejects with the cause); without a listener piscina's
  // 'error' event would surface as an uncaught error of the whole process.
  pool.on('error', () => {});
  return {
    threads,
    async run(payload) {
      try {
        return (await pool.run(payload)) as Out;
      } catch (error) {
        throw new Error(
          `worker task (${task.module}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          { cause: error },
        );
      }
    },
    close: () => pool.destroy(),
  };
}

/** fn over items, at most `window` at once, results in input order. */
export async function* orderedMap<In, Out>(
  items: AsyncIterable<In>,
  fn: (item: In) => Promise<Out>,
  window: number,
): AsyncGenerator<Out> {
  const inFlight: Promise<Out>[] = [];
  try {
    for await (const item of items) {
      inFlight.push(fn(item));
      if (inFlight.length >= window) yield await inFlight.shift()!;
    }
    while (inFlight.length) yield await inFlight.shift()!;
  } finally {
    // Settled or abandoned on an early exit: no unhandled rejections.
    for (const p of inFlight) p.catch(() => {});
  }
}
