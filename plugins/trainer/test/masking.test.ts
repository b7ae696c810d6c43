import { createRng, IGNORE_INDEX } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { MaskedBatches, MemoryTokenBatches } from '../src/index.js';

const MASK = 99;

function batches(seed = 1): MaskedBatches {
  const tokens = Int32Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? 0 : 1 + (i % 50)));
  return new MaskedBatches(new MemoryTokenBatches(tokens, createRng(seed), 'test'), createRng(seed + 1), {
    probability: 0.15,
    maskShare: 0.8,
    randomShare: 0.1,
    maskTokenId: MASK,
    randomVocab: 60,
    specialIds: new Set([0, MASK]),
  });
}

describe('MaskedBatches (BERT masking)', () => {
  it('predicts 15% of the non-special tokens: 80% masked, 10% random, 10% kept; special tokens never', () => {
    const data = batches();
    let chosen = 0,
      masked = 0,
      kept = 0,
      candidates = 0;
    for (let i = 0; i < 40; i++) {
      const { inputs, targets } = data.next(16, 64);
      for (let j = 0; j < targets.length; j++) {
        if (targets[j] === IGNORE_INDEX) {
          expect(inputs[j]).not.toBe(MASK);
          continue;
        }
        expect(targets[j]).not.toBe(0);
        chosen++;
        if (inputs[j] === MASK) masked++;
        else if (inputs[j] === targets[j]) kept++;
      }
      for (let j = 0; j < targets.length; j++) if (targets[j] !== IGNORE_INDEX || inputs[j] !== 0) candidates++;
    }
    expect(chosen / candidates).toBeCloseTo(0.15, 2);
    expect(masked / chosen).toBeCloseTo(0.8, 1);
    // Kept: the 10% left alone plus random draws that hit the original (1/60 of 10%).
    expect(kept / chosen).toBeGreaterThan(0.08);
    expect(kept / chosen).toBeLessThan(0.13);
  });

  it('state() and restore() resume the same masks', () => {
    const a = batches(3);
    a.next(4, 32);
    const saved = a.state();
    const next = a.next(4, 32);
    const b = batches(3);
    b.restore(JSON.parse(JSON.stringify(saved)));
    expect(b.next(4, 32)).toEqual(next);
  });
});
