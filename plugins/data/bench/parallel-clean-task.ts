// Worker side of the parallel cleaning benchmark: the per-document cleaners, the
// exact-dedup key and the MinHash signature run here; the dedup decisions (which
// need every earlier document) stay on the main thread.
import type { Doc, Dropped } from '@kiln/core';
import { dedupKey, MinHasher } from '../src/index.js';
import { benchContext } from './bench-context.js';
import { fullChain, runChain, statelessAfter, statelessBefore } from './chain.js';

export interface CleanBatch {
  docs: Array<{ id: string; text: string }>;
  /** Only compute signatures (MinHash throughput). */
  minhashOnly?: boolean;
}
export interface CleanedBatch {
  /** '' when kept, else the rule that dropped it before dedup. */
  dropped: string[];
  keys: string[];
  signatures: Uint32Array;
  texts: string[];
}

export async function createTask() {
  const chain = fullChain();
  const before = statelessBefore(chain);
  const after = statelessAfter(chain);
  const hasher = new MinHasher();
  const ctx = benchContext();
  return async (batch: CleanBatch) => {
    const P = hasher.permutations;
    const signatures = new Uint32Array(batch.docs.length * P);
    const out: CleanedBatch = { dropped: [], keys: [], signatures, texts: [] };
    for (let i = 0; i < batch.docs.length; i++) {
      const d: Doc = { ...batch.docs[i], origin: { source: 'bench' } };
      if (batch.minhashOnly) {
        hasher.signature(d.text, signatures.subarray(i * P, (i + 1) * P));
        continue;
      }
      const r = await runChain(before, d, ctx);
      if ((r as Dropped).dropped) {
        out.dropped.push((r as Dropped).rule);
        out.keys.push('');
        out.texts.push('');
        continue;
      }
      const kept = r as Doc;
      out.dropped.push('');
      out.keys.push(dedupKey(kept.text));
      hasher.signature(kept.text, signatures.subarray(i * P, (i + 1) * P));
      // PII masking runs after dedup in stage order and only rewrites kept text, so doing it here is equivalent.
      out.texts.push(((await runChain(after, kept, ctx)) as Doc).text);
    }
    return out;
  };
}
