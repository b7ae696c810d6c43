/**
 * The thread pool: the main thread plus (threads − 1) persistent workers,
 * each with its own instance of the kernel module on the shared memory.
 *
 * A dispatch writes the kernel index and its arguments into a small shared
 * control block, bumps a generation counter and notifies; workers spin
 * briefly on that counter before falling back to Atomics.wait (measured
 * here: ~7–9 µs per op with the spin, 20–50 µs without, postMessage 40–80).
 * Work is split into contiguous unit ranges aligned to a grain; thread i
 * takes the i-th range, the main thread takes range 0. Small ops never wake
 * anyone: they run inline on the main thread.
 */
import { Worker } from 'node:worker_threads';

// Control block layout, shared with worker/worker.mjs.
const GEN = 0,
  DONE = 1,
  FN = 2,
  NARGS = 3,
  UNITS = 4,
  GRAIN = 5,
  ACTIVE = 6,
  QUIT = 7,
  ERROR = 8;
const MAX_ARGS = 32;
/** Worker spin iterations before sleeping (~tens of µs). */
const WORKER_SPIN = 4000;
/** Main-thread spin iterations while waiting for workers before sleeping. */
const MAIN_SPIN = 20000;
/** No single kernel call runs this long; past it a worker is taken for dead. */
const WATCHDOG_MS = 300_000;

export type KernelFn = (...args: number[]) => void;

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  names: readonly string[];
  /** Main thread's own kernel functions (instance on the same memory). */
  mainFns: readonly KernelFn[];
  threads: number;
  /** Stack top (byte address) of worker i, for i = 1..threads-1. */
  stackTops: readonly number[];
  /** Scratch byte address of thread i (0 = main). */
  scratch: readonly number[];
}

export class ThreadPool {
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: Worker[] = [];
  private readonly mainFns: readonly KernelFn[];
  private readonly mainScratch: number;
  private workerError: string | undefined;
  private disposed = false;

  private constructor(opts: PoolOptions, control: SharedArrayBuffer) {
    this.threads = opts.threads;
    this.ctrl = new Int32Array(control, 0, 16);
    this.args = new Float64Array(control, 64, MAX_ARGS);
    this.mainFns = opts.mainFns;
    this.mainScratch = opts.scratch[0];
  }

  static async create(opts: PoolOptions): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(64 + 8 * MAX_ARGS);
    const pool = new ThreadPool(opts, control);
    const url = new URL('../worker/worker.mjs', import.meta.url);
    const ready: Promise<void>[] = [];
    for (let i = 1; i < opts.threads; i++) {
      const worker = new Worker(url, {
        // The worker is plain JS: it needs none of the parent's loaders or
        // flags (and some, like --input-type, make a worker fail to start).
        execArgv: [],
        workerData: {
          module: opts.module,
          memory: opts.memory,
          control,
          names: opts.names,
          index: i,
          stackTop: opts.stackTops[i],
          scratch: opts.scratch[i],
          spin: WORKER_SPIN,
        },
      });
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', (err) =>
            reject(new Error(`@kiln/backend-wasm: worker ${i} failed to start: ${err.message}`)),
          );
        }),
      );
      worker.on('message', (msg: unknown) => {
        if (msg && typeof msg === 'object' && 'error' in msg)
          pool.workerError = String((msg as { error: unknown }).error);
      });
      pool.workers.push(worker);
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.dispose();
      throw err;
    }
    // Idle workers sleep in Atomics.wait; they must not keep the process alive.
    for (const worker of pool.workers) worker.unref();
    return pool;
  }

  /**
   * Runs kernel `fn` over `units` work units split in ranges aligned to
   * `grain`, on up to `maxThreads` threads: fn(...args, lo, hi, scratch).
   */
  run(fn: number, args: readonly number[], units: number, grain: number, maxThreads: number): void {
    if (this.disposed) throw new Error('@kiln/backend-wasm: backend used after dispose()');
    if (units <= 0) return;
    const active = Math.min(this.threads, maxThreads, Math.ceil(units / grain));
    const n = args.length;
    if (active <= 1) {
      this.call(this.mainFns[fn], args, 0, units);
      return;
    }
    const { ctrl } = this;
    for (let i = 0; i < n; i++) this.args[i] = args[i];
    ctrl[FN] = fn;
    ctrl[NARGS] = n;
    ctrl[UNITS] = units;
    ctrl[GRAIN] = grain;
    ctrl[ACTIVE] = active;
    Atomics.store(ctrl, DONE, 0);
    Atomics.add(ctrl, GEN, 1);
    Atomics.notify(ctrl, GEN);
    const per = Math.ceil(Math.ceil(units / grain) / active) * grain;
    let mainError: unknown;
    try {
      this.call(this.mainFns[fn], args, 0, Math.min(units, per));
    } catch (err) {
      mainError = err;
    }
    this.waitWorkers();
    if (mainError) throw mainError;
    if (Atomics.load(ctrl, ERROR)) {
      const idx = Atomics.exchange(ctrl, ERROR, 0);
      throw new Error(
        `@kiln/backend-wasm: kernel failed in worker ${idx}${this.workerError ? `: ${this.workerError}` : ''}`,
      );
    }
  }

  private call(f: KernelFn, args: readonly number[], lo: number, hi: number): void {
    switch (args.length) {
      case 4:
        f(args[0], args[1], args[2], args[3], lo, hi, this.mainScratch);
        break;
      case 5:
        f(args[0], args[1], args[2], args[3], args[4], lo, hi, this.mainScratch);
        break;
      default:
        f(...args, lo, hi, this.mainScratch);
    }
  }

  private waitWorkers(): void {
    const { ctrl } = this;
    const want = this.workers.length;
    let spins = 0;
    let last = -1;
    let since = 0;
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done >= want) return;
      if (++spins <= MAIN_SPIN) continue;
      // The main thread blocks here synchronously, so no worker 'exit' event
      // can reach us: a watchdog turns a dead or stuck worker into an error
      // instead of a process that hangs forever.
      if (done !== last) [last, since] = [done, Date.now()];
      else if (Date.now() - since > WATCHDOG_MS) {
        throw new Error(
          `@kiln/backend-wasm: ${want - done} of ${want} worker(s) made no progress for ${WATCHDOG_MS / 1000} s (a worker died or hung); restart the process, or use threads: 1`,
        );
      }
      Atomics.wait(ctrl, DONE, done, 100);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctrl, QUIT, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
