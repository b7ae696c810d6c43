import type { KilnContext, RewardFunction } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { customReward, exactMatch, formatCheck, lengthPenalty, regexAnswer, rewardModel } from '../src/index.js';

const ctx = {} as KilnContext;
const fn = (p: { reward?: unknown }) => p.reward as RewardFunction;

describe('built-in rewards', () => {
  it('exact match compares the trimmed completion with meta.answer, and names a missing answer', async () => {
    const r = fn(exactMatch());
    expect(await r.score({ prompt: '1+2', completion: ' 3 ', meta: { answer: 3 } }, ctx)).toBe(1);
    expect(await r.score({ prompt: '1+2', completion: '4', meta: { answer: 3 } }, ctx)).toBe(0);
    expect(() => r.score({ prompt: '1+2', completion: '3' }, ctx)).toThrow(
      /exact-match: the record has no meta\.answer/,
    );
  });

  it('regex answer extracts the first group; format and length penalty', async () => {
    const r = fn(regexAnswer({ pattern: /answer: (\d+)/, missing: -1 }));
    expect(await r.score({ prompt: '', completion: 'so the answer: 12.', meta: { answer: '12' } }, ctx)).toBe(1);
    expect(await r.score({ prompt: '', completion: 'no idea', meta: { answer: '12' } }, ctx)).toBe(-1);
    expect(await fn(formatCheck({ pattern: /^\d+$/ })).score({ prompt: '', completion: '12a' }, ctx)).toBe(0);
    expect(await fn(lengthPenalty({ maxChars: 4 })).score({ prompt: '', completion: '123456' }, ctx)).toBeCloseTo(-0.5);
    expect(await fn(lengthPenalty({ maxChars: 4 })).score({ prompt: '', completion: '12' }, ctx)).toBe(-0);
  });

  it('weights travel with the function; reward-model and custom rewards may be async; the model loads once', async () => {
    let loads = 0;
    const rm = fn(rewardModel({ weight: 0.5, load: async () => (loads++, { score: async (_p, c) => c.length }) }));
    expect(rm.weight).toBe(0.5);
    expect(await rm.score({ prompt: 'x', completion: 'abc' }, ctx)).toBe(3);
    expect(await rm.score({ prompt: 'x', completion: 'ab' }, ctx)).toBe(2);
    expect(loads).toBe(1);
    expect(
      await fn(customReward('even', async ({ completion }) => (completion.length % 2 ? 0 : 1))).score(
        { prompt: '', completion: 'ab' },
        ctx,
      ),
    ).toBe(1);
  });
});
