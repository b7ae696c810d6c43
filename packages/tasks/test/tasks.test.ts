import { createRng } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { addition, multiplication, reverseWord, sortDigits, taskSplits, toChat, toPreference } from '../src/index.js';

describe('procedural tasks', () => {
  it('answers are correct', () => {
    const rng = createRng(1);
    for (let i = 0; i < 50; i++) {
      const a = addition({ maxDigits: 3 }).sample(rng);
      const [x, y] = a.prompt.split('+').map(Number);
      expect(Number(a.answer)).toBe(x + y);
      const r = reverseWord().sample(rng);
      expect([...r.answer].reverse().join('')).toBe(r.prompt.replace('reverse ', ''));
      const s = sortDigits().sample(rng);
      expect(s.answer.split(' ').map(Number)).toEqual(
        s.prompt
          .replace('sort ', '')
          .split(' ')
          .map(Number)
          .sort((p, q) => p - q),
      );
    }
  });

  it('reversed addition writes the sum least-significant digit first', () => {
    const rng = createRng(2);
    const fam = addition({ maxDigits: 2, reversed: true });
    expect(fam.name).toBe('addition-reversed');
    for (let i = 0; i < 50; i++) {
      const t = fam.sample(rng);
      const m = /^(\d+)\+(\d+) rev$/.exec(t.prompt);
      expect(m).not.toBeNull();
      expect(Number([...t.answer].reverse().join(''))).toBe(Number(m![1]) + Number(m![2]));
    }
    expect(addition({ reversed: true }).sample(createRng(9)).task).toBe('addition-reversed');
    // 47+38 = 85: "58"; 50+50 = 100: "001" (every digit of the sum, so the answer is unique)
    const answers = new Set(Array.from({ length: 400 }, () => fam.sample(rng)).map((t) => t.answer));
    expect([...answers].some((a) => a.endsWith('1') && a.length === 3)).toBe(true);
  });

  it('fixed-width addition pads operands and sum with zeros', () => {
    const rng = createRng(4);
    const fam = addition({ maxDigits: 2, fixedWidth: true, reversed: true });
    expect(fam.name).toBe('addition-fixed-reversed');
    for (let i = 0; i < 100; i++) {
      const t = fam.sample(rng);
      const m = /^(\d\d)\+(\d\d) rev$/.exec(t.prompt);
      expect(m).not.toBeNull();
      expect(t.answer).toMatch(/^\d{3}$/);
      expect(Number([...t.answer].reverse().join(''))).toBe(Number(m![1]) + Number(m![2]));
    }
    const plain = addition({ maxDigits: 3, fixedWidth: true }).sample(createRng(1));
    expect(plain.prompt).toMatch(/^\d{3}\+\d{3}$/);
    expect(plain.answer).toMatch(/^\d{4}$/);
  });

  it('multiplication: the product of the operands, little-endian when asked', () => {
    const rng = createRng(5);
    const le = multiplication({ digits: 4, littleEndian: true });
    expect(le.name).toBe('multiplication-le');
    const rev = (s: string) => [...s].reverse().join('');
    for (let i = 0; i < 200; i++) {
      const t = le.sample(rng);
      const m = /^(\d{4})\*(\d)$/.exec(t.prompt);
      expect(m).not.toBeNull();
      expect(t.answer).toMatch(/^\d{5}$/);
      expect(Number(rev(t.answer))).toBe(Number(rev(m![1])) * Number(m![2]));
    }
    const big = multiplication({ digits: 2, multiplierDigits: 2 }).sample(createRng(1));
    expect(big.prompt).toMatch(/^\d\d\*\d\d$/);
    expect(Number(big.answer)).toBe(Number(big.prompt.slice(0, 2)) * Number(big.prompt.slice(3)));
    expect(big.answer).toMatch(/^\d{4}$/);
    expect(() => multiplication({ digits: 0 })).toThrow(/digits and multiplierDigits must be integers/);
    const first = multiplication({ digits: 4, littleEndian: true, multiplierFirst: true });
    expect(first.name).toBe('multiplication-le-bfirst');
    for (let i = 0; i < 100; i++) {
      const t = first.sample(rng);
      const m = /^(\d)\*(\d{4})$/.exec(t.prompt);
      expect(m).not.toBeNull();
      expect(Number(rev(t.answer))).toBe(Number(m![1]) * Number(rev(m![2])));
    }
  });

  it('held-out instances never appear in the training split', () => {
    const splits = taskSplits([addition(), reverseWord(), sortDigits()], { train: 500, heldOut: 100 }, 3);
    const train = new Set(splits.train.map((t) => t.prompt));
    expect(splits.heldOut.length).toBe(100);
    for (const t of splits.heldOut) expect(train.has(t.prompt)).toBe(false);
    expect(new Set(splits.heldOut.map((t) => t.task)).size).toBe(3);
  });

  it('chat and preference records: the rejected answer differs from the chosen one', () => {
    const t = addition().sample(createRng(5));
    expect(toChat(t).messages[1].content).toBe(t.answer);
    for (let s = 0; s < 20; s++) expect(toPreference(t, s).rejected).not.toBe(t.answer);
    expect(() => taskSplits([addition({ minDigits: 1, maxDigits: 1 })], { train: 200 }, 1)).toThrow(/too small/);
  });
});
