import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { byteTokenizer, encodeDocuments, openShards } from '../src/index.js';
import { fixture } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-load-'));
  async function* docs() {
    yield* [...fixture('sotu-excerpts.jsonl'), ...fixture('tang-poems.jsonl')];
  }
  await encodeDocuments(docs(), { outDir: dir, threads: 1, valFraction: 0.05, seed: 1, shardTokens: 50_000 });
});

describe('openShards: the training data loader', () => {
  for (const mode of ['random', 'sequential'] as const) {
    it(`${mode}: resumes exactly from state() without replaying data`, () => {
      const a = openShards(dir, { split: 'train', seed: 7, mode });
      for (let i = 0; i < 5; i++) a.next(4, 256);
      const saved = JSON.parse(JSON.stringify(a.state())); // as it travels through a checkpoint
      const expected = Array.from({ length: 300 }, () => a.next(4, 256)); // sequential: crosses shards and an epoch
      if (mode === 'sequential') expect((a.state() as { epoch: number }).epoch).toBeGreaterThan(0);
      const b = openShards(dir, { split: 'train', seed: 7, mode });
      b.restore(saved);
      const same = (x: Int32Array, y: Int32Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
      for (const e of expected) {
        const got = b.next(4, 256);
        expect(same(got.inputs, e.inputs) && same(got.targets, e.targets)).toBe(true);
      }
      expect(b.state()).toEqual(a.state());
    });
  }

  it('restores a state saved before the loader used the run RNG (four state words, no seed)', () => {
    const a = openShards(dir, { split: 'train', seed: 7 });
    for (let i = 0; i < 3; i++) a.next(2, 64);
    const saved = a.state() as { rng: number[] };
    const expected = a.next(2, 64).inputs;
    const b = openShards(dir, { split: 'train', seed: 7 });
    b.restore({ ...saved, rng: saved.rng.slice(1) });
    expect(b.next(2, 64).inputs).toEqual(expected);
  });

  it('targets are inputs shifted by one, windows come from the shards, seeds differ', () => {
    const l = openShards(dir, { seed: 3 });
    const { inputs, targets } = l.next(2, 32);
    expect(inputs.length).toBe(64);
    expect(Array.from(inputs.subarray(1, 32))).toEqual(Array.from(targets.subarray(0, 31)));
    expect(Math.max(...inputs)).toBeLessThanOrEqual(256);
    expect(openShards(dir, { seed: 4 }).next(2, 32).inputs).not.toEqual(inputs);
    expect(openShards(dir, { seed: 3 }).next(2, 32).inputs).toEqual(inputs);
  });

  it('sequential mode reads the text in order', () => {
    const l = openShards(dir, { mode: 'sequential', seed: 0 });
    const { inputs, targets } = l.next(2, 16);
    // Row 2 continues where row 1 ended: its first input is row 1's last target.
    expect(inputs[16]).toBe(targets[15]);
    expect(l.tokens).toBeGreaterThan(100_000);
  });

  it('refuses shards made with another tokenizer, with a hint', () => {
    expect(() => openShards(dir, { tokenizerHash: 'some-other-tokenizer' })).toThrow(
      /encoded with tokenizer .* but the model uses some-other-tokenizer.*Re-run the encode stage/s,
    );
    expect(() => openShards(dir, { tokenizerHash: byteTokenizer().hash() })).not.toThrow();
  });

  it('refuses a state from another configuration and missing shards', () => {
    const a = openShards(dir, { mode: 'random' });
    const b = openShards(dir, { mode: 'sequential' });
    expect(() => b.restore(a.state())).toThrow(/mode/);
    expect(() => openShards(join(dir, 'nope'))).toThrow(/does not exist.*kiln prepare/);
    expect(() => openShards(dir).next(1, 10_000_000)).toThrow(/T\+1/);
  });
});

describe('u32 shards', () => {
  it('writes and reads 4-byte tokens when the vocabulary exceeds 65 536', async () => {
    const big = {
      type: 'test:code-points',
      vocabSize: 0x110000,
      eosId: 0x10ffff,
      specialTokens: {},
      encode: (t: string) => Array.from(t, (ch) => ch.codePointAt(0)!),
      decode: (ids: ArrayLike<number>) => String.fromCodePoint(...Array.from(ids)),
      hash: () => 'code-points-v1',
      toJSON: () => ({}),
    };
    const out = mkdtempSync(join(tmpdir(), 'kiln-u32-'));
    async function* docs() {
      yield { id: 'a', text: '𠀀𠀁 astral Han and 😀 emoji '.repeat(20) };
    }
    const m = await encodeDocuments(docs(), { outDir: out, tokenizer: big, valFraction: 0 });
    expect(m.bytesPerToken).toBe(4);
    const l = openShards(out, { mode: 'sequential', tokenizerHash: 'code-points-v1' });
    const { inputs } = l.next(1, 10);
    expect(big.decode(inputs)).toBe('𠀀𠀁 astral ');
  });
});
