// Generic worker for @kiln/data's thread pool. Plain .mjs so it runs both from the
// built package and from TypeScript sources: it imports the task module named in
// workerData (a .js file from dist, or a .ts file, for which it first registers tsx),
// calls its createTask(init) once, then answers { seq, payload } messages in order.
import { parentPort, workerData } from 'node:worker_threads';

const { module: moduleUrl, init } = workerData;
if (moduleUrl.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const mod = await import(moduleUrl);
const task = await mod.createTask(init);

parentPort.on('message', async ({ seq, payload }) => {
  try {
    const { result, transfer } = await task(payload);
    parentPort.postMessage({ seq, result }, transfer ?? []);
  } catch (err) {
    parentPort.postMessage({ seq, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
parentPort.postMessage({ ready: true });
