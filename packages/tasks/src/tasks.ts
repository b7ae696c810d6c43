import type { Rng } from '@kiln/tensor';

/** One instance of a verifiable task: a prompt and its single correct answer. */
export interface TaskInstance {
  task: string;
  prompt: string;
  answer: string;
}

export interface TaskFamily {
  name: string;
  /** A fresh random instance. */
  sample(rng: Rng): TaskInstance;
}

const digits = (rng: Rng, min: number, max: number) => min + rng.int(max - min + 1);
const number = (rng: Rng, nDigits: number) =>
  nDigits === 1 ? rng.int(10) : 10 ** (nDigits - 1) + rng.int(9 * 10 ** (nDigits - 1));

/**
 * a+b with operands of minDigits..maxDigits digits: the answer needs carries done right.
 * `reversed`: the sum is written least-significant digit first (47+38 → "58" for 85), and the
 * prompt says so (`47+38 rev`): each answer digit then depends only on digits already
 * read and the carry from the digit just written, the order a left-to-right model can learn.
 * `fixedWidth`: operands zero-padded to maxDigits and the sum to maxDigits + 1 digits
 * (`07+38` → `045`), so every digit sits at the same place in every instance.
 */
export function addition(
  o: { minDigits?: number; maxDigits?: number; reversed?: boolean; fixedWidth?: boolean } = {},
): TaskFamily {
  const lo = o.minDigits ?? 1;
  const hi = o.maxDigits ?? 3;
  const name = `addition${o.fixedWidth ? '-fixed' : ''}${o.reversed ? '-reversed' : ''}`;
  const show = (x: number, width: number) => (o.fixedWidth ? String(x).padStart(width, '0') : String(x));
  return {
    name,
    sample(rng) {
      const a = number(rng, digits(rng, lo, hi));
      const b = number(rng, digits(rng, lo, hi));
      const prompt = `${show(a, hi)}+${show(b, hi)}`;
      const sum = show(a + b, hi + 1);
      if (!o.reversed) return { task: name, prompt, answer: sum };
      return { task: name, prompt: `${prompt} rev`, answer: [...sum].reverse().join('') };
    },
  };
}

/**
 * a×b with a of `digits` digits and b of `multiplierDigits` (default 1), both zero-padded, the
 * product padded to digits + multiplierDigits. `littleEndian`: every number is written
 * least-significant digit first (`4225*7`: 5224 × 7 = 36568, answered `86563`), so each answer
 * digit depends on digits already read, the multiplier and the carry from the digit just written;
 * the prompt then says `le` only through the family's name (`multiplication-le`).
 * `multiplierFirst`: the prompt is `b*a` (`7*4225`), the multiplier at a fixed place before the
 * digits it multiplies.
 */
export function multiplication(
  o: { digits?: number; multiplierDigits?: number; littleEndian?: boolean; multiplierFirst?: boolean } = {},
): TaskFamily {
  const da = o.digits ?? 4;
  const db = o.multiplierDigits ?? 1;
  if (!(Number.isInteger(da) && da >= 1 && Number.isInteger(db) && db >= 1 && da + db <= 15))
    throw new Error(
      `multiplication: digits and multiplierDigits must be integers ≥ 1 (at most 15 together), got ${da} and ${db}`,
    );
  const name = `multiplication${o.littleEndian ? '-le' : ''}${o.multiplierFirst ? '-bfirst' : ''}`;
  const write = (x: number, width: number) => {
    const s = String(x).padStart(width, '0');
    return o.littleEndian ? [...s].reverse().join('') : s;
  };
  return {
    name,
    sample(rng) {
      const a = rng.int(10 ** da);
      const b = rng.int(10 ** db);
      const prompt = o.multiplierFirst ? `${write(b, db)}*${write(a, da)}` : `${write(a, da)}*${write(b, db)}`;
      return { task: name, prompt, answer: write(a * b, da + db) };
    },
  };
}

/** Reverse a lowercase word of minLen..maxLen letters. */
export function reverseWord(o: { minLen?: number; maxLen?: number } = {}): TaskFamily {
  const lo = o.minLen ?? 3;
  const hi = o.maxLen ?? 6;
  return {
    name: 'reverse',
    sample(rng) {
      const n = digits(rng, lo, hi);
      let w = '';
      for (let i = 0; i < n; i++) w += String.fromCharCode(97 + rng.int(26));
      return { task: 'reverse', prompt: `reverse ${w}`, answer: [...w].reverse().join('') };
    },
  };
}

/** Sort a list of single digits ascending. */
export function sortDigits(o: { minLen?: number; maxLen?: number } = {}): TaskFamily {
  const lo = o.minLen ?? 3;
  const hi = o.maxLen ?? 6;
  return {
    name: 'sort',
    sample(rng) {
      const xs = Array.from({ length: digits(rng, lo, hi) }, () => rng.int(10));
      return { task: 'sort', prompt: `sort ${xs.join(' ')}`, answer: [...xs].sort((a, b) => a - b).join(' ') };
    },
  };
}

export const TASK_FAMILIES = { addition, multiplication, reverse: reverseWord, sort: sortDigits };
