/**
 * @kiln/data-runner: the data stage on every core (piscina worker threads) and across machines
 * (BullMQ on Redis, `kiln worker`), with the same output as core's in-process runner. Also the
 * worker-thread pool that plugins use for their own parallel work (the shard encoder).
 */
export { default } from './plugin.js';
export { orderedMap, siblingModule, type TaskModule, type TaskPool, taskPool } from './pool.js';
export { type DataWorkerOptions, runDataWorker } from './queue-worker.js';
