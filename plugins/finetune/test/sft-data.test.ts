// The SFT validation examples are chosen by finetune.data.splitSeed, not by the training seed.
import type { KilnContext } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { chatml, sftOptionsSchema } from '../src/index.js';
import { prepareSftData } from '../src/sft-data.js';
import { byteTokenizer } from './helpers.js';

const records = Array.from({ length: 40 }, (_, i) => ({
  messages: [
    { role: 'user', content: `question ${i}` },
    { role: 'assistant', content: `answer ${i}` },
  ],
}));

async function valRows(seed: number, splitSeed?: number): Promise<string> {
  const o = sftOptionsSchema.parse({ data: { chat: 'unused.jsonl', valFraction: 0.2, splitSeed } });
  const ctx = {
    config: { seed },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  } as unknown as KilnContext;
  const tok = await byteTokenizer();
  const data = await prepareSftData(o, 64, tok, chatml, ctx, (p) => p, 'test', records);
  return data.valRows.map((r) => tok.decode(r.ids)).join('|');
}

describe('SFT data split', () => {
  it('holds out the same examples under any training seed; splitSeed moves them', async () => {
    const a = await valRows(1);
    expect(await valRows(2)).toBe(a);
    expect(await valRows(1, 7)).not.toBe(a);
  });
});
