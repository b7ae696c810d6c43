import { pruneNM, pruneUnstructured, quantizeMatrix, transpose } from '@kiln/compress';
import { createRng, dequantize } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const randn = (n: number, seed: number) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * 0.02);
};

describe('quantizeMatrix', () => {
  it('every weight within half a step of its group scale; int4 round-trips through the packed layout', () => {
    const [N, K] = [6, 64];
    const w = randn(N * K, 1);
    for (const [bits, group] of [
      [8, 32],
      [8, 64],
      [4, 32],
      [4, 64],
    ] as const) {
      const q = quantizeMatrix(w, N, K, { bits, group });
      expect(q.data.length).toBe(bits === 8 ? N * K : (N * K) / 2);
      expect(q.scales.length).toBe((N * K) / group);
      const back = dequantize(q.data, q.scales, N, K, q);
      let err = 0;
      let norm = 0;
      for (let i = 0; i < w.length; i++) {
        const s = q.scales[Math.floor(i / group)];
        // absmax scaling: every weight rounds to its nearest level, within half a step.
        expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(s / 2 + 1e-9);
        err += (back[i] - w[i]) ** 2;
        norm += w[i] ** 2;
      }
      // Relative error of round-to-nearest: ~0.4% at 8 bits, ~10% at 4 bits for Gaussian weights.
      expect(Math.sqrt(err / norm)).toBeLessThan(bits === 8 ? 0.01 : 0.15);
    }
  });

  it('int4: the largest weight of a group maps to ±7 exactly; bad sizes are refused', () => {
    const w = new Float32Array(32).map((_, i) => (i % 2 ? 0.01 : -0.01) * (1 + (i % 5)));
    w[3] = 0.2;
    const q = quantizeMatrix(w, 1, 32, { bits: 4, group: 32 });
    expect(q.scales[0]).toBe(Math.fround(0.2 / 7));
    expect(dequantize(q.data, q.scales, 1, 32, q)[3]).toBeCloseTo(0.2, 6);
    expect(() => quantizeMatrix(w, 1, 32, { bits: 4, group: 64 })).toThrow(/not a multiple of the group size 64/);
    expect(() => quantizeMatrix(w, 1, 32, { bits: 3 as 4, group: 32 })).toThrow(/bits must be 4 or 8/);
  });

  it('an all-zero (pruned) group gets scale 0 and stays zero', () => {
    const q = quantizeMatrix(new Float32Array(64), 1, 64, { bits: 4, group: 32 });
    expect(Array.from(dequantize(q.data, q.scales, 1, 64, q)).every((v) => v === 0)).toBe(true);
  });
});

describe('pruning (hand-checked)', () => {
  it('unstructured removes the smallest magnitudes', () => {
    const w = Float32Array.from([0.5, -0.1, 0.3, -0.7, 0.05, 0.2]);
    expect(pruneUnstructured(w, 0.5)).toBe(3);
    expect(Array.from(w)).toEqual([0.5, 0, 0.3, -0.7, 0, 0].map(Math.fround));
  });

  it('2:4 keeps the two largest of every four along a row', () => {
    const w = Float32Array.from([1, -3, 2, 0.5, /* next group */ -0.1, 0.2, -0.3, 0.4]);
    pruneNM(w, 8, 2, 4);
    expect(Array.from(w)).toEqual([0, -3, 2, 0, 0, 0, -0.3, 0.4].map(Math.fround));
    expect(() => pruneNM(w, 6, 2, 4)).toThrow(/not a multiple of M = 4/);
  });

  it('transpose is its own inverse', () => {
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(transpose(transpose(a, 2, 3), 3, 2))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
