import type { CleanerHook, Doc, Dropped, KilnContext } from '@kiln/core';
import { describe, expect, test } from 'vitest';
import shout, { upperShare } from '../src/index.js';

const ctx = {
  drop: (rule: string, detail?: string): Dropped => ({ dropped: true, rule, detail }),
} as unknown as KilnContext;

const doc = (text: string): Doc => ({ id: 't', text, origin: { source: 'test' } });

function clean(text: string, options = {}) {
  const cleaner = shout(options).cleaner as CleanerHook;
  return cleaner.clean(doc(text), ctx);
}

describe('kiln-plugin-shout', () => {
  test('drops shouting, keeps ordinary and uncased text', () => {
    expect(clean('THIS IS A VERY LOUD ANNOUNCEMENT ABOUT NOTHING')).toMatchObject({ dropped: true, rule: 'shouting' });
    expect(clean('This is an ordinary sentence about the NASA budget.')).toMatchObject({ text: expect.any(String) });
    expect(clean('今天天气很好，我们去公园散步吧。这是一个很长的中文句子。')).toMatchObject({ id: 't' });
    expect(clean('OK FINE')).toMatchObject({ id: 't' }); // too few letters to judge
  });

  test('thresholds are options', () => {
    const text = 'MOSTLY UPPER CASE TEXT with a quiet tail';
    expect(clean(text, { maxUpperShare: 0.5 })).toMatchObject({ dropped: true }); // share 19/33
    expect(clean(text, { maxUpperShare: 0.9 })).toMatchObject({ id: 't' });
  });

  test('upper share counts cased letters of every script', () => {
    expect(upperShare('ΑΒΓ abc')).toEqual({ share: 0.5, letters: 6 });
    expect(upperShare('123 中文')).toEqual({ share: 0, letters: 0 });
  });

  test('bad options fail with the option named', () => {
    expect(() => shout({ maxUpperShare: 2 })).toThrow(/maxUpperShare/);
    expect(() => shout({ minLeters: 3 } as never)).toThrow(/unknown option "minLeters"/);
  });
});
