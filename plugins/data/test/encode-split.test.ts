// The train/validation split of the encode stage: a small corpus never leaves validation empty,
// and the split's seed is its own (the config's training seed does not move documents).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitScore } from '../src/encode/split.js';
import { byteTokenizer, encodeDocuments, HEADER_BYTES, readHeader, shardEncoder, splitOf } from '../src/index.js';
import { fakeContext } from './helpers.js';

const docs = Array.from({ length: 20 }, (_, i) => ({ id: `doc-${i}`, text: `document number ${i} ${'x'.repeat(i)}` }));
async function* stream(list = docs) {
  yield* list;
}

/** Every document's text, by split, read back from the shards. */
function textsOf(dir: string, manifest: Awaited<ReturnType<typeof encodeDocuments>>): Record<string, string[]> {
  const tok = byteTokenizer();
  const out: Record<string, string[]> = { train: [], val: [] };
  for (const split of ['train', 'val'] as const) {
    for (const s of manifest.splits[split].shards) {
      const h = readHeader(join(dir, s.file));
      const raw = readFileSync(join(dir, s.file));
      expect(raw.length).toBe(HEADER_BYTES + 2 * h.tokens);
      expect(h.documents).toBe(s.documents);
      const ids = new Uint16Array(raw.buffer.slice(raw.byteOffset + HEADER_BYTES, raw.byteOffset + raw.length));
      out[split].push(...tok.decode(ids).split('<|endoftext|>').slice(0, -1));
    }
  }
  return out;
}

/** A seed under which the id hash puts none of the 20 documents below valFraction 0.1. */
function seedWithEmptyValidation(): number {
  for (let seed = 0; seed < 1000; seed++) if (docs.every((d) => splitOf(d.id, seed, 0.1) === 'train')) return seed;
  throw new Error('no such seed below 1000');
}

describe('encode: the validation split', () => {
  it('is never empty for two or more documents: the closest document moves there', async () => {
    const seed = seedWithEmptyValidation();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-split-'));
    const notes: string[] = [];
    const m = await encodeDocuments(stream(), {
      outDir: dir,
      threads: 1,
      valFraction: 0.1,
      seed,
      onNote: (n) => notes.push(n),
    });
    expect(m.splits.val.documents).toBe(1);
    expect(m.splits.train.documents).toBe(19);
    const lowest = [...docs].sort((a, b) => splitScore(a.id, seed) - splitScore(b.id, seed))[0];
    const texts = textsOf(dir, m);
    expect(texts.val).toEqual([lowest.text]);
    expect([...texts.train, ...texts.val].sort()).toEqual(docs.map((d) => d.text).sort());
    // The train documents keep their order.
    expect(texts.train).toEqual(docs.filter((d) => d !== lowest).map((d) => d.text));
    expect(notes.join()).toMatch(/no document of 20 fell below valFraction 0\.1/);
  });

  it('takes the document from the last train shard, dropping that shard when it empties', async () => {
    const seed = seedWithEmptyValidation();
    // Shards of at most 30 tokens: most documents get a shard of their own, so the last one holds one document.
    const dir = mkdtempSync(join(tmpdir(), 'kiln-split-'));
    const m = await encodeDocuments(stream(), { outDir: dir, threads: 1, valFraction: 0.1, seed, shardTokens: 30 });
    const texts = textsOf(dir, m);
    expect(m.splits.val.documents).toBe(1);
    expect(texts.val).toEqual([docs[19].text]);
    expect(texts.train).toEqual(docs.slice(0, 19).map((d) => d.text));
    expect(m.splits.train.shards.map((s) => s.file)).toEqual(
      m.splits.train.shards.map((_, i) => `train_${String(i).padStart(6, '0')}.bin`),
    );
  });

  it('leaves one document, and valFraction 0, all in train', async () => {
    const one = await encodeDocuments(stream(docs.slice(0, 1)), {
      outDir: mkdtempSync(join(tmpdir(), 'kiln-split-')),
      threads: 1,
      valFraction: 0.1,
      seed: seedWithEmptyValidation(),
    });
    expect([one.splits.train.documents, one.splits.val.documents]).toEqual([1, 0]);
    const none = await encodeDocuments(stream(), {
      outDir: mkdtempSync(join(tmpdir(), 'kiln-split-')),
      valFraction: 0,
    });
    expect([none.splits.train.documents, none.splits.val.documents]).toEqual([20, 0]);
  });

  it("the encoder's split follows encode.splitSeed, not the config's seed", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `document ${i}` }));
    const valOf = async (seed: number, splitSeed?: number) => {
      const ctx = fakeContext(undefined, { seed });
      mkdirSync(ctx.runDir.path('data'));
      writeFileSync(ctx.runDir.path('data/clean.jsonl'), lines.join('\n') + '\n');
      await shardEncoder().run({ valFraction: 0.1, threads: 1, ...(splitSeed !== undefined && { splitSeed }) }, ctx);
      return readFileSync(ctx.runDir.path('shards/val_000000.bin'));
    };
    const a = await valOf(1);
    expect((await valOf(2)).equals(a)).toBe(true);
    expect((await valOf(1, 7)).equals(a)).toBe(false);
  });
});
