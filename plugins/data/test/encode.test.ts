import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteTokenizer, encodeDocuments, HEADER_BYTES, readHeader, splitOf } from '../src/index.js';
import { fixture } from './helpers.js';

const docs = [
  ...fixture('sotu-excerpts.jsonl'),
  ...fixture('tang-poems.jsonl'),
  { id: 'emoji', text: '👩‍👩‍👧 家庭 family', origin: { source: 't' } },
];
async function* stream() {
  yield* docs;
}

function filesOf(dir: string): Record<string, Buffer> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
}

describe('encode: documents → token shards', () => {
  it('writes byte-identical shards with 1 and with 3 worker threads', async () => {
    const opts = { valFraction: 0.1, seed: 5, shardTokens: 40_000, batchChars: 8_000 };
    const one = mkdtempSync(join(tmpdir(), 'kiln-enc1-'));
    const three = mkdtempSync(join(tmpdir(), 'kiln-enc3-'));
    const m1 = await encodeDocuments(stream(), { ...opts, outDir: one, threads: 1 });
    const m3 = await encodeDocuments(stream(), { ...opts, outDir: three, threads: 3 });
    expect(m3).toEqual(m1);
    const a = filesOf(one);
    const b = filesOf(three);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(Object.keys(a).filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(3);
    for (const f of Object.keys(a)) expect(b[f].equals(a[f]), f).toBe(true);
  });

  it('stamps a self-describing header and keeps every document, separated by end-of-text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-enc-'));
    const tok = byteTokenizer();
    const manifest = await encodeDocuments(stream(), {
      outDir: dir,
      threads: 1,
      valFraction: 0.1,
      seed: 5,
      shardTokens: 40_000,
    });
    const expectedVal = docs.filter((d) => splitOf(d.id, 5, 0.1) === 'val');
    expect(manifest.splits.val.documents).toBe(expectedVal.length);
    expect(manifest.splits.train.documents + manifest.splits.val.documents).toBe(docs.length);
    expect(expectedVal.length).toBeGreaterThan(10);

    const texts: string[] = [];
    for (const split of ['train', 'val'] as const) {
      for (const s of manifest.splits[split].shards) {
        const h = readHeader(join(dir, s.file));
        expect(h).toMatchObject({
          version: 1,
          bytesPerToken: 2,
          tokens: s.tokens,
          documents: s.documents,
          vocabSize: 257,
          eosId: 256,
          split,
          tokenizerTag: tok.hash(),
        });
        const raw = readFileSync(join(dir, s.file));
        expect(raw.length).toBe(HEADER_BYTES + 2 * h.tokens);
        const ids = new Uint16Array(raw.buffer.slice(raw.byteOffset + HEADER_BYTES, raw.byteOffset + raw.length));
        expect(ids[ids.length - 1]).toBe(256);
        texts.push(...tok.decode(ids).split('<|endoftext|>').slice(0, -1));
      }
    }
    expect(texts.sort()).toEqual(docs.map((d) => d.text).sort());
  });

  it('runs the tokenizer in worker threads when given more than one (a broken worker spec fails there)', async () => {
    const broken = {
      ...byteTokenizer(),
      workerSpec: {
        module: new URL('../src/encode/byte-tokenizer.ts', import.meta.url).href,
        exportName: 'noSuchExport',
      },
    };
    await expect(
      encodeDocuments(stream(), { outDir: mkdtempSync(join(tmpdir(), 'k-')), tokenizer: broken, threads: 2 }),
    ).rejects.toThrow(/noSuchExport/);
    // With one thread the same tokenizer encodes on the calling thread and never touches the spec.
    await expect(
      encodeDocuments(stream(), { outDir: mkdtempSync(join(tmpdir(), 'k-')), tokenizer: broken, threads: 1 }),
    ).resolves.toBeTruthy();
  });

  it('refuses a bad valFraction', async () => {
    await expect(
      encodeDocuments(stream(), { outDir: mkdtempSync(join(tmpdir(), 'k-')), valFraction: 1 }),
    ).rejects.toThrow(/valFraction/);
  });
});
