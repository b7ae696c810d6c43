/**
 * A bounded admission queue: at most `concurrency` generations run at once (a
 * batching model decodes them together in one step: see @kiln/generate's
 * batchedNextTokenModel), at most `maxWaiting` wait; anything beyond that is
 * refused at once (HTTP 429).
 */
export class QueueFullError extends Error {
  constructor(readonly waiting: number) {
    super(`the server is busy: ${waiting} requests are already waiting; retry later`);
    this.name = 'QueueFullError';
  }
}

export class GenerationQueue {
  private active = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {
    if (!(Number.isInteger(concurrency) && concurrency >= 1))
      throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
    if (!(Number.isInteger(maxWaiting) && maxWaiting >= 0))
      throw new RangeError(`maxQueue must be an integer >= 0, got ${maxWaiting}`);
  }

  get running(): number {
    return this.active;
  }
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is free; rejects if full or aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxWaiting) return Promise.reject(new QueueFullError(this.waiters.length));
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiters.shift()?.grant();
    };
  }
}
