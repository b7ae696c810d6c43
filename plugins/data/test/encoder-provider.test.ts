import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { byteTokenizer, openShards, shardEncoder } from '../src/index.js';
import { fakeContext } from './helpers.js';

describe('kiln:shards encoder provider', () => {
  it('encodes the run’s data/clean.jsonl with the byte-level fallback and says so', async () => {
    const ctx = fakeContext();
    mkdirSync(ctx.runDir.path('data'));
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ id: `d${i}`, text: `document ${i}: 文档 ${'x'.repeat(i % 50)}`, origin: { source: 't' } }),
    );
    writeFileSync(ctx.runDir.path('data/clean.jsonl'), lines.join('\n') + '\n');
    const result = await shardEncoder().run({ valFraction: 0.1, threads: 1 }, ctx);
    expect(result.outputs).toEqual(['shards']);
    expect(result.metrics!['encode/train_docs'] + result.metrics!['encode/val_docs']).toBe(300);
    expect(ctx.logs.some((l) => l.startsWith('warn: encode: no trained tokenizer'))).toBe(true);
    const loader = openShards(ctx.runDir.path('shards'), { split: 'train', tokenizerHash: byteTokenizer().hash() });
    expect(loader.tokens).toBe(result.metrics!['encode/train_tokens']);
  });

  it('names unknown options and a missing input', async () => {
    const ctx = fakeContext();
    await expect(shardEncoder().run({ valFraktion: 0.1 }, ctx)).rejects.toThrow(/encode\.valFraktion: unknown option/);
    await expect(shardEncoder().run({}, ctx)).rejects.toThrow(/clean\.jsonl does not exist; run the data stage first/);
  });
});
