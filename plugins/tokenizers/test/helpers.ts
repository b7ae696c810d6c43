import { readFileSync } from 'node:fs';

export const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Paragraphs of a fixture, split into a training part and a held-out part. */
export function split(name: string, heldOutShare = 0.2): { train: string[]; heldOut: string[] } {
  const paras = fixture(name)
    .split(/\n\s*\n|\n/)
    .filter((p) => p.trim().length > 0);
  const cut = Math.floor(paras.length * (1 - heldOutShare));
  return { train: paras.slice(0, cut), heldOut: paras.slice(cut) };
}

/** Deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random text mixing scripts, spaces, digits, punctuation, emoji, contractions and lone surrogates. */
export function randomText(next: () => number, length: number): string {
  const pieces = [
    ' ',
    '  ',
    '\n',
    '\t',
    ' \n ',
    'a',
    'Z',
    'é',
    "'s",
    "'ll",
    "'",
    '’',
    '1',
    '23',
    '٣',
    '中',
    '国',
    '的',
    '。',
    '，',
    'こ',
    'ン',
    '한',
    'Ж',
    '!',
    '?!',
    '.',
    '-',
    '😀',
    '𠀀',
    '\ud800',
    '\udc00',
    '\u00a0',
    '\u3000',
    'x1',
    'A B',
  ];
  let s = '';
  while (s.length < length) s += pieces[Math.floor(next() * pieces.length)];
  return s;
}
