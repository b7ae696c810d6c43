import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The URL of a sibling module of `importMetaUrl`, with the caller's own extension (.ts in sources, .js when built). */
export function siblingModule(importMetaUrl: string, relative: string): string {
  return new URL(relative + extname(fileURLToPath(importMetaUrl)), importMetaUrl).href;
}

const WORKER = new URL('../../workers/pool-worker.mjs', import.meta.url);

export interface TaskModule {
  /** URL of a module exporting createTask(init) → (payload) => { result, transfer? }. */
  module: string;
  init: unknown;
}

/**
 * Maps batches through worker threads and yields results in input order, with at
 * most 2 batches in flight per worker, so output never depends on which thread
 * finished first and memory stays bounded.
 */
export async function* orderedMap<In, Out>(
  batches: AsyncIterable<In>,
  task: TaskModule,
  threads: number,
  transferOf: (payload: In) => ArrayBuffer[] = () => [],
): AsyncGenerator<Out> {
  const workers = await Promise.all(Array.from({ length: threads }, () => startWorker(task)));
  const pending = new Map<number, { resolve: (v: Out) => void; reject: (e: Error) => void }>();
  for (const w of workers) {
    w.on('message', (m: { seq: number; result?: Out; error?: string }) => {
      const p = pending.get(m.seq);
      if (!p) return;
      pending.delete(m.seq);
      if (m.error !== undefined) p.reject(new Error(`worker task failed: ${m.error}`));
      else p.resolve(m.result as Out);
    });
  }
  const inFlight: Promise<Out>[] = [];
  let seq = 0;
  try {
    for await (const batch of batches) {
      const s = seq++;
      inFlight.push(
        new Promise<Out>((resolve, reject) => {
          pending.set(s, { resolve, reject });
          workers[s % threads].postMessage({ seq: s, payload: batch }, transferOf(batch));
        }),
      );
      if (inFlight.length >= threads * 2) yield await inFlight.shift()!;
    }
    while (inFlight.length) yield await inFlight.shift()!;
  } finally {
    inFlight.forEach((p) => p.catch(() => {})); // settled or abandoned: no unhandled rejections on early exit
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function startWorker(task: TaskModule): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: task });
    const onError = (err: Error) => reject(new Error(`worker for ${task.module} failed to start: ${err.message}`));
    w.once('error', onError);
    w.once('message', (m: { ready?: boolean }) => {
      if (!m.ready) return;
      w.off('error', onError);
      w.on('error', () => {}); // later errors reach the caller through the task's promise
      resolve(w);
    });
  });
}
