import { describe, expect, it } from 'vitest';
import { byteTokens, MemoryTokenBatches, splitTokens, unigramEntropy } from '../src/index.js';

describe('MemoryTokenBatches', () => {
  const tokens = Int32Array.from({ length: 500 }, (_, i) => (i * 7) % 101);

  it('serves windows whose targets are the inputs shifted by one', () => {
    const { inputs, targets } = new MemoryTokenBatches(tokens, 1).next(4, 9);
    expect(inputs.length).toBe(36);
    for (let b = 0; b < 4; b++) {
      const start = tokens.indexOf(inputs[b * 9]); // values are distinct within 101 steps
      for (let t = 0; t < 9; t++) {
        expect(inputs[b * 9 + t]).toBe(tokens[start + t]);
        expect(targets[b * 9 + t]).toBe(tokens[start + t + 1]);
      }
    }
  });

  it('state() and restore() continue the exact stream', () => {
    const a = new MemoryTokenBatches(tokens, 42);
    a.next(3, 5);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = [a.next(3, 5), a.next(3, 5)];
    const b = new MemoryTokenBatches(tokens, 7);
    b.restore(saved);
    expect([b.next(3, 5), b.next(3, 5)]).toEqual(expected);
    expect(() => new MemoryTokenBatches(tokens.subarray(0, 100), 1).restore(saved)).toThrow(/500 tokens.*100/);
  });

  it('refuses windows longer than the data', () => {
    expect(() => new MemoryTokenBatches(tokens.subarray(0, 10), 1).next(1, 10)).toThrow(/cannot fill/);
  });
});

describe('byte-level helpers', () => {
  it('splits off a validation tail and measures unigram entropy', () => {
    const bytes = byteTokens('héllo');
    expect([...bytes]).toEqual([104, 195, 169, 108, 108, 111]);
    const { train, val } = splitTokens(bytes, 0.5);
    expect([...train, ...val]).toEqual([...bytes]);
    expect(unigramEntropy([1, 1, 2, 2])).toBeCloseTo(Math.log(2), 12);
    expect(unigramEntropy([5, 5, 5])).toBe(0);
  });
});
