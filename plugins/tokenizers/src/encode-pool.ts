/**
 * Batch encoding across worker threads. Each worker holds its own copy of the
 * tokenizer (and its own word cache); a batch is cut into one contiguous slice per
 * worker, balanced by characters, and results come back by transfer, in order.
 *
 * From the built package the worker is dist/encode-worker.js; from TypeScript sources
 * (tests, benchmarks) it is loaded through tsx.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Tokenizer } from '@kiln/core';

interface Pending {
  resolve(results: Int32Array[]): void;
  reject(e: Error): void;
}

export class EncodePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** threads defaults to the machine's cores. */
  constructor(tok: Tokenizer, options: { threads?: number } = {}) {
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './encode-worker-source.mjs' : './encode-worker.js', import.meta.url);
    const json = tok.toJSON();
    for (let i = 0; i < threads; i++) {
      const w = new Worker(url, { workerData: { json } });
      w.on('message', (m: { id: number; results?: Int32Array[]; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) for (const x of this.workers) x.unref();
        if (m.error) p.reject(new Error(`encode worker: ${m.error}`));
        else p.resolve(m.results!);
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      // Idle workers do not keep the process alive; busy ones do (see encodeBatch).
      w.unref();
      this.workers.push(w);
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Encodes every text; result i belongs to texts[i]. */
  async encodeBatch(texts: string[], options: { allowSpecial?: boolean } = {}): Promise<Int32Array[]> {
    const total = texts.reduce((s, t) => s + t.length, 0);
    const share = total / this.workers.length;
    const jobs: Promise<Int32Array[]>[] = [];
    let start = 0;
    for (let w = 0; w < this.workers.length && start < texts.length; w++) {
      let end = start;
      let chars = 0;
      const last = w === this.workers.length - 1;
      while (end < texts.length && (last || chars < share || end === start)) chars += texts[end++].length;
      const slice = texts.slice(start, end);
      const id = this.nextId++;
      jobs.push(
        new Promise<Int32Array[]>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          this.workers[w].ref();
          this.workers[w].postMessage({ id, texts: slice, allowSpecial: options.allowSpecial ?? false });
        }),
      );
      start = end;
    }
    return (await Promise.all(jobs)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
