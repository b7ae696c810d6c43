// A kernel thread of @kiln/backend-wasm. Plain JavaScript (worker_threads do
// not go through the TypeScript loader): it instantiates the kernel module on
// the shared memory, moves its stack pointer to a region of its own, then
// loops: spin briefly on the generation counter, sleep in Atomics.wait when
// idle, run its share of each dispatched kernel, count itself done.
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, control, names, index, stackTop, scratch, spin } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
const fns = names.map((n) => instance.exports[n]);
// Layout shared with src/pool.ts.
const GEN = 0,
  DONE = 1,
  FN = 2,
  NARGS = 3,
  UNITS = 4,
  GRAIN = 5,
  ACTIVE = 6,
  QUIT = 7,
  ERROR = 8;
const ctrl = new Int32Array(control, 0, 16);
const args = new Float64Array(control, 64, 32);

// Read the generation before saying ready: the first dispatch may follow
// the 'ready' message at once, and must not be mistaken for an old one.
let seen = Atomics.load(ctrl, GEN);
parentPort.postMessage('ready');
for (;;) {
  let spins = 0;
  while (Atomics.load(ctrl, GEN) === seen) {
    if (++spins > spin) {
      Atomics.wait(ctrl, GEN, seen);
      spins = 0;
    }
  }
  seen = Atomics.load(ctrl, GEN);
  if (Atomics.load(ctrl, QUIT)) break;
  const active = ctrl[ACTIVE];
  if (index < active) {
    const units = ctrl[UNITS];
    const grain = ctrl[GRAIN];
    const per = Math.ceil(Math.ceil(units / grain) / active) * grain;
    const lo = Math.min(units, index * per);
    const hi = Math.min(units, lo + per);
    if (lo < hi) {
      const n = ctrl[NARGS];
      const a = new Array(n + 3);
      for (let i = 0; i < n; i++) a[i] = args[i];
      a[n] = lo;
      a[n + 1] = hi;
      a[n + 2] = scratch;
      try {
        fns[ctrl[FN]](...a);
      } catch (err) {
        Atomics.store(ctrl, ERROR, index);
        parentPort.postMessage({ error: String(err?.stack ? err.stack : err) });
      }
    }
  }
  Atomics.add(ctrl, DONE, 1);
  Atomics.notify(ctrl, DONE);
}
