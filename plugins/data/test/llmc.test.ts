import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HEADER_BYTES,
  LLMC_MAGIC,
  llmcHeader,
  openShards,
  readHeader,
  shardEncoder,
  writeLlmcShards,
} from '../src/index.js';
import { fakeContext } from './helpers.js';

/** The tokens of an llm.c shard, read as llm.c's dataloader does: int32 header, magic, version, count, then uint16. */
function readLikeLlmc(file: string): Uint16Array {
  const bytes = readFileSync(file);
  const header = new Int32Array(bytes.buffer, bytes.byteOffset, 256);
  expect(header[0]).toBe(20240520);
  expect(header[1]).toBe(1);
  const ntok = header[2];
  expect(bytes.length).toBe(256 * 4 + ntok * 2); // llm.c refuses a file of any other size
  return new Uint16Array(bytes.buffer.slice(bytes.byteOffset + 1024, bytes.byteOffset + 1024 + ntok * 2));
}

/** nanoGPT-style readers (modded-nanogpt's _load_data_shard) do it with numpy: a python3 that has it, if any. */
const PYTHON = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0,
);

describe("token shards in llm.c's layout", () => {
  it('encode.llmc writes every train and val shard again with llm.c’s header and uint16 tokens, the same tokens', async () => {
    const ctx = fakeContext();
    mkdirSync(ctx.runDir.path('data'));
    const lines = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({ id: `d${i}`, text: `doc ${i} ${'ab'.repeat(i % 37)}` }),
    );
    writeFileSync(ctx.runDir.path('data/clean.jsonl'), `${lines.join('\n')}\n`);
    const result = await shardEncoder().run({ valFraction: 0.1, threads: 1, shardTokens: 4000, llmc: true }, ctx);
    expect(result.outputs).toEqual(['shards', 'shards-llmc']);
    const kiln = readdirSync(ctx.runDir.path('shards'))
      .filter((f) => f.endsWith('.bin'))
      .sort();
    const llmc = readdirSync(ctx.runDir.path('shards-llmc')).sort();
    expect(kiln.filter((f) => f.startsWith('train_')).length).toBeGreaterThan(1);
    expect(llmc).toEqual(kiln.map((f) => `kiln_${f}`));
    let total = 0;
    for (const f of kiln) {
      const h = readHeader(ctx.runDir.path('shards', f));
      const raw = readFileSync(ctx.runDir.path('shards', f));
      const tokens = new Uint16Array(
        raw.buffer.slice(raw.byteOffset + HEADER_BYTES, raw.byteOffset + HEADER_BYTES + 2 * h.tokens),
      );
      expect(readLikeLlmc(ctx.runDir.path('shards-llmc', `kiln_${f}`))).toEqual(tokens);
      if (f.startsWith('train_')) total += h.tokens;
    }
    // ...and they are the tokens Kiln's own loader trains on.
    expect(total).toBe(openShards(ctx.runDir.path('shards'), { split: 'train' }).tokens);
    expect(total).toBe(result.metrics!['encode/train_tokens']);

    if (PYTHON) {
      const file = ctx.runDir.path('shards-llmc', llmc[0]);
      const py = spawnSync(
        PYTHON,
        [
          '-c',
          'import sys, numpy as np; h = np.fromfile(sys.argv[1], dtype=np.int32, count=256); assert h[0] == 20240520 and h[1] == 1; t = np.fromfile(sys.argv[1], dtype=np.uint16, offset=1024); assert len(t) == h[2]; print(int(h[2]), int(t.astype(np.int64).sum()))',
          file,
        ],
        { encoding: 'utf8' },
      );
      expect(py.status, py.stderr).toBe(0);
      const mine = readLikeLlmc(file);
      expect(py.stdout.trim()).toBe(`${mine.length} ${mine.reduce((a, b) => a + b, 0)}`);
    }
  });

  it('refuses shards of 4-byte tokens (a vocabulary above 65536), and a count beyond int32', async () => {
    const ctx = fakeContext();
    const file = join(ctx.runDir.root, 'train_000000.bin');
    const header = Buffer.alloc(HEADER_BYTES);
    [0x4e4c494b, 1, 4, 2, 0, 1, 70000, 1, 0, 0, 0].forEach((v, i) => header.writeUInt32LE(v, i * 4));
    writeFileSync(file, Buffer.concat([header, Buffer.alloc(8)]));
    await expect(writeLlmcShards([file], join(ctx.runDir.root, 'out'))).rejects.toThrow(
      /holds 4-byte tokens \(vocabulary 70000\); llm\.c's layout stores uint16 tokens/,
    );
    expect(() => llmcHeader(2 ** 31)).toThrow(/do not fit its int32 count/);
    expect(llmcHeader(5).readInt32LE(0)).toBe(LLMC_MAGIC);
  });
});
