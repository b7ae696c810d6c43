import { describe, expect, it } from 'vitest';
import { createPreTokenizer, PATTERNS } from '../src/pretokenize.js';
import { fixture, randomText, rng } from './helpers.js';

/** Pieces as the JS regex engine splits them (matches plus the text between them). */
function viaRegex(pattern: string, text: string): string[] {
  const re = new RegExp(pattern.replace(/\\p\{Han\}/g, '\\p{Script=Han}'), 'gu');
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function pieces(kind: string, text: string): string[] {
  const p = createPreTokenizer(kind).split(text);
  const out: string[] = [];
  let s = 0;
  for (let k = 0; k < p.count; k++) out.push(text.slice(s, (s = p.ends[k])));
  return out;
}

describe('pre-tokenizer scanners', () => {
  for (const kind of ['gpt2', 'cjk'] as const) {
    it(`'${kind}' equals its regex on English, Chinese and random text`, () => {
      const samples = [fixture('english.txt').slice(0, 20000), fixture('chinese.txt').slice(0, 8000)];
      const next = rng(kind === 'gpt2' ? 1 : 2);
      for (let i = 0; i < 300; i++) samples.push(randomText(next, 1 + Math.floor(next() * 60)));
      for (const s of samples) expect(pieces(kind, s)).toEqual(viaRegex(PATTERNS[kind], s));
    });
  }

  it("'cjk' isolates each Han character and each digit, and keeps Latin words whole", () => {
    expect(pieces('cjk', '我爱北京 2024年 hello world')).toEqual([
      '我',
      '爱',
      '北',
      '京',
      ' 2',
      '0',
      '2',
      '4',
      '年',
      ' hello',
      ' world',
    ]);
    expect(pieces('gpt2', '我爱北京 2024年 hello')).toEqual(['我爱北京', ' 2024', '年', ' hello']);
  });

  it('runs any other pattern as a regex, keeping the text between matches', () => {
    expect(pieces('\\d+', 'ab12cd3')).toEqual(['ab', '12', 'cd', '3']);
    expect(() => createPreTokenizer('(')).toThrow(/not a valid regex/);
  });
});
