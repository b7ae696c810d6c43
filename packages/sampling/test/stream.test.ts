import { describe, expect, it } from 'vitest';
import { IncrementalDecoder, StopSequenceMatcher } from '../src/index.js';

describe('StopSequenceMatcher', () => {
  it('holds back a possible stop prefix and cuts at the stop', () => {
    const m = new StopSequenceMatcher(['###', '\n\n']);
    expect(m.push('Hello #')).toEqual({ text: 'Hello ', stopped: false });
    expect(m.push('#')).toEqual({ text: '', stopped: false });
    expect(m.push('x world\n')).toEqual({ text: '##x world', stopped: false });
    expect(m.push('\nmore')).toEqual({ text: '', stopped: true });
    expect(m.push('after')).toEqual({ text: '', stopped: true });
  });

  it('releases held text at the end of the stream', () => {
    const m = new StopSequenceMatcher(['END']);
    expect(m.push('the EN').text).toBe('the ');
    expect(m.flush()).toBe('EN');
  });

  it('stops at the earliest of several matches in one piece', () => {
    const m = new StopSequenceMatcher(['b', 'abc']);
    expect(m.push('xxabcb')).toEqual({ text: 'xx', stopped: true });
    expect(new StopSequenceMatcher(['b', 'abc']).push('xxab')).toEqual({ text: 'xxa', stopped: true });
  });
});

describe('IncrementalDecoder', () => {
  const bytes = { decode: (ids: ArrayLike<number>) => new TextDecoder().decode(Uint8Array.from(ids)) };

  it('never splits a multi-byte character (byte-level tokens)', () => {
    const text = 'héllo, 中文 and 🙂!';
    const d = new IncrementalDecoder(bytes);
    const pieces = Array.from(new TextEncoder().encode(text), (b) => d.push(b));
    pieces.push(d.flush());
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
  });

  it('flushes an unfinished character as U+FFFD', () => {
    const d = new IncrementalDecoder(bytes);
    expect(d.push(0x61)).toBe('a');
    expect(d.push(0xe4)).toBe('');
    expect(d.flush()).toBe('\uFFFD');
  });
});
