// Worker side of core's task pool (piscina). Plain .mjs so it runs both from the
// built package and from TypeScript sources: it imports the task module named in
// workerData (a .js file from dist, or a .ts file, for which it first registers tsx),
// calls its createTask(init) once, and piscina hands every task to the function it returns.
import { Piscina } from 'piscina';

const { module: moduleUrl, init } = Piscina.workerData;
if (moduleUrl.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const mod = await import(moduleUrl);
const task = await mod.createTask(init);

export default async function run(payload) {
  return task(payload);
}
