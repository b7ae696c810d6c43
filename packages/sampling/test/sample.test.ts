import { describe, expect, it } from 'vitest';
import { applyRepetitionPenalty, nucleus, sampleToken, seededUniform, topKIndices } from '../src/index.js';

const row = (...v: number[]) => Float32Array.from(v);

function frequencies(logits: Float32Array, opts: Parameters<typeof sampleToken>[1], draws: number, seed = 1): number[] {
  const rng = seededUniform(seed);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, opts, rng).tokenId]++;
  return counts.map((c) => c / draws);
}

function softmax(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('sampleToken', () => {
  it('is greedy at temperature 0 and with greedy: true', () => {
    const logits = row(0.1, 3, -2, 2.9);
    expect(sampleToken(logits, { temperature: 0 }, seededUniform(1)).tokenId).toBe(1);
    expect(sampleToken(logits, { greedy: true, temperature: 5 }, seededUniform(1)).tokenId).toBe(1);
  });

  it('draws from softmax(logits / T)', () => {
    const values = [1, 0.5, -1, 2];
    const f = frequencies(row(...values), { temperature: 2 }, 20000);
    const p = softmax(values.map((v) => v / 2));
    for (let i = 0; i < values.length; i++) expect(Math.abs(f[i] - p[i])).toBeLessThan(0.015);
  });

  it('top-k keeps only the k largest, renormalised', () => {
    const values = [1, 3, 2, 0, 2.5];
    const f = frequencies(row(...values), { topK: 2 }, 20000);
    const p = softmax([3, 2.5]);
    expect(f[0] + f[2] + f[3]).toBe(0);
    expect(Math.abs(f[1] - p[0])).toBeLessThan(0.015);
    expect(Math.abs(f[4] - p[1])).toBeLessThan(0.015);
  });

  it('top-p keeps the smallest set reaching p, the crossing token included', () => {
    const logits = row(...[0.5, 0.3, 0.15, 0.05].map(Math.log));
    const kept = (p: number) =>
      frequencies(logits, { topP: p }, 4000)
        .map((f, i) => (f > 0 ? i : -1))
        .filter((i) => i >= 0);
    expect(kept(0.5)).toEqual([0]);
    expect(kept(0.79)).toEqual([0, 1]);
    expect(kept(0.81)).toEqual([0, 1, 2]);
    expect(kept(1)).toEqual([0, 1, 2, 3]);
  });

  it('applies the repetition penalty as Hugging Face does (divide positive, multiply negative, once per token)', () => {
    const logits = row(2, -2, 1, 4);
    applyRepetitionPenalty(logits, [0, 1, 1, 0], 2);
    expect(Array.from(logits)).toEqual([1, -4, 1, 4]);
    // Greedy choice changes once the repeated best token is penalised.
    expect(sampleToken(row(4, 3.5), { temperature: 0, repetitionPenalty: 1.3 }, seededUniform(0), [0]).tokenId).toBe(1);
  });

  it('gives the same tokens for the same seed and leaves the logits untouched', () => {
    const logits = row(0.2, 0.1, 0.3, 0.25, 0.15);
    const copy = Float32Array.from(logits);
    const run = (seed: number) => {
      const rng = seededUniform(seed);
      return Array.from(
        { length: 50 },
        () => sampleToken(logits, { temperature: 1.5, topP: 0.9, topK: 4 }, rng).tokenId,
      );
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    expect(logits).toEqual(copy);
  });

  it('rejects nonsense options naming the field', () => {
    expect(() => sampleToken(row(1), { topP: 0 }, seededUniform(1))).toThrow(/topP/);
    expect(() => sampleToken(row(1), { temperature: -1 }, seededUniform(1))).toThrow(/temperature/);
    expect(() => sampleToken(row(1), { topK: 1.5 }, seededUniform(1))).toThrow(/topK/);
  });
});

describe('topKIndices', () => {
  it('matches a full sort on random rows with ties', () => {
    const rng = seededUniform(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rng.next() * 300);
      const v = Float32Array.from({ length: n }, () => Math.round(rng.next() * 20));
      const k = 1 + Math.floor(rng.next() * n);
      const expected = Array.from(v.keys())
        .sort((a, b) => v[b] - v[a] || a - b)
        .slice(0, k);
      expect(Array.from(topKIndices(v, k))).toEqual(expected);
    }
  });
});

describe('nucleus', () => {
  it('equals the sorted cumulative cut (crossing token included) on random rows', () => {
    const rng = seededUniform(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(rng.next() * 3000);
      const spread = 0.5 + rng.next() * 12;
      const scores = Array.from({ length: n }, () => rng.next() * spread);
      const max = Math.max(...scores);
      const weights = Float64Array.from(scores, (x) => Math.exp(x - max));
      const total = weights.reduce((a, b) => a + b, 0);
      const p = 0.05 + rng.next() * 0.94;
      const order = Array.from(weights.keys()).sort((a, b) => weights[b] - weights[a]);
      const expected: number[] = [];
      let cumulative = 0;
      for (const id of order) {
        expected.push(id);
        cumulative += weights[id] / total;
        if (cumulative >= p) break;
      }
      expect(
        Array.from(nucleus(weights, total, p)).sort((a, b) => a - b),
        `trial ${trial}`,
      ).toEqual(expected.sort((a, b) => a - b));
    }
  });
});
