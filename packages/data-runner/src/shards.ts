/** Cutting the source stream into shards of documents, and the pipeline of passes over them. */
import type { Doc } from '@kiln/core';

export interface Shard {
  index: number;
  docs: Doc[];
  /** Documents the sources yielded for this shard (for progress). */
  read: number;
}

export async function* shardsOf(docs: AsyncIterable<Doc>, shardChars: number): AsyncGenerator<Shard> {
  let index = 0;
  let batch: Doc[] = [];
  let chars = 0;
  for await (const doc of docs) {
    batch.push(doc);
    chars += doc.text.length;
    if (chars >= shardChars) {
      yield { index: index++, docs: batch, read: batch.length };
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) yield { index, docs: batch, read: batch.length };
}

/** The first `n` items read ahead (to learn whether there is more than one shard), then the rest, in order. */
export async function peek<T>(items: AsyncIterable<T>, n: number): Promise<{ head: T[]; all: AsyncIterable<T> }> {
  const iterator = items[Symbol.asyncIterator]();
  const head: T[] = [];
  while (head.length < n) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
  }
  async function* all() {
    yield* head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, all: all() };
}
