// The shard encoder with the real trained tokenizer of @kiln/tokenizers: its worker
// threads rebuild the BPE from the tokenizer's workerSpec, and the shards must not
// depend on the thread count, nor differ from encoding on the calling thread.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBpe } from '@kiln/tokenizers';
import { describe, expect, it } from 'vitest';
import { encodeDocuments, openShards, workerSpecOf } from '../src/index.js';
import { fixture } from './helpers.js';

const docs = [...fixture('sotu-excerpts.jsonl'), ...fixture('tang-poems.jsonl')];
async function* stream() {
  yield* docs;
}

describe('encode with a trained BPE', () => {
  it('writes the same shards on 1 and 2 threads, stamped with the BPE hash', async () => {
    const bpe = await trainBpe(
      docs.map((d) => d.text),
      { vocabSize: 600 },
    );
    expect(workerSpecOf(bpe)).toBeDefined();
    const dirs = [mkdtempSync(join(tmpdir(), 'kiln-bpe1-')), mkdtempSync(join(tmpdir(), 'kiln-bpe2-'))];
    const opts = { tokenizer: bpe, valFraction: 0.1, seed: 2, shardTokens: 30_000, batchChars: 16_000 };
    const [m1, m2] = [
      await encodeDocuments(stream(), { ...opts, outDir: dirs[0], threads: 1 }),
      await encodeDocuments(stream(), { ...opts, outDir: dirs[1], threads: 2 }),
    ];
    expect(m2).toEqual(m1);
    expect(m1.tokenizer).toMatchObject({ type: 'kiln:bpe', vocabSize: 600, hash: bpe.hash() });
    const files = readdirSync(dirs[0]).sort();
    expect(readdirSync(dirs[1]).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(dirs[1], f)).equals(readFileSync(join(dirs[0], f))), f).toBe(true);

    // The tokens decode back to the documents.
    const loader = openShards(dirs[0], { split: 'val', mode: 'sequential', tokenizerHash: bpe.hash() });
    const { inputs } = loader.next(1, 200);
    const text = bpe.decode(Array.from(inputs));
    expect(docs.some((d) => text.includes(d.text.slice(0, 30)))).toBe(true);
  });
});
