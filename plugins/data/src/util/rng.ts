import { splitmix32 } from './hash.js';

/**
 * xoshiro128** with a state of four u32 values: small, fast, and its state is a
 * plain array that goes into a checkpoint as JSON.
 */
export class Xoshiro128 {
  private s: Uint32Array;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.s = Uint32Array.from([sm(), sm(), sm(), sm()]);
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform integer in [0, n) for n ≤ 2^53, without modulo bias worth measuring (53-bit draw). */
  int(n: number): number {
    const x = (this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6); // 53 random bits
    return Math.floor((x / 9007199254740992) * n);
  }

  state(): number[] {
    return Array.from(this.s);
  }

  restore(state: number[]): void {
    if (!Array.isArray(state) || state.length !== 4) throw new Error('rng state must be an array of 4 numbers');
    this.s = Uint32Array.from(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
