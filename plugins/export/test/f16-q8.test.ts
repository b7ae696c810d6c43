import { describe, expect, it } from 'vitest';
import { dequantizeQ8_0, f16ToF32, f32ToF16, quantizeQ8_0 } from '../src/index.js';

describe('f32ToF16', () => {
  it('matches IEEE half precision on known values', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66], // numpy: np.float16(0.1).view(np.uint16) == 0x2e66
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up to infinity
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway to zero: ties to even
      [3 * 2 ** -26, 0x0001],
      [6.1035156e-5, 0x0400], // smallest normal
      [1 + 2 ** -11, 0x3c00], // tie → even mantissa
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even (up)
    ];
    for (const [value, bits] of cases) expect(f32ToF16(value), `f16(${value})`).toBe(bits);
    expect(f32ToF16(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16(NaN) & 0x3ff).not.toBe(0);
  });

  it('round-trips every finite half exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) if ((h & 0x7c00) !== 0x7c00 && f32ToF16(f16ToF32(h)) !== h) wrong.push(h);
    expect(wrong).toEqual([]);
  });
});

describe('q8_0', () => {
  it('stores an f16 scale max|x|/127 and round(x/scale) per block of 32', () => {
    const x = Float32Array.from({ length: 32 }, (_, i) => (i - 16) / 4); // -4 .. 3.75
    const q = quantizeQ8_0(x);
    expect(q.length).toBe(34);
    const view = new DataView(q.buffer);
    expect(view.getUint16(0, true)).toBe(f32ToF16(4 / 127));
    expect(view.getInt8(2)).toBe(-127); // -4
    expect(view.getInt8(2 + 16)).toBe(0);
    expect(view.getInt8(2 + 31)).toBe(Math.round(3.75 * (127 / 4))); // 119
  });

  it('dequantizes within half a step of each block', () => {
    let s = 1;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const x = Float32Array.from({ length: 32 * 40 }, (_, i) => rand() * (1 + (i >> 5)));
    const y = dequantizeQ8_0(quantizeQ8_0(x), x.length);
    for (let b = 0; b < 40; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const step = Math.max(...block.map(Math.abs)) / 127;
      for (let j = 0; j < 32; j++)
        expect(Math.abs(y[b * 32 + j] - block[j])).toBeLessThanOrEqual(step * 0.5 + step * 2 ** -10 * 127);
    }
    expect(() => quantizeQ8_0(new Float32Array(33))).toThrow(/multiple of 32/);
  });

  it('quantizes an all-zero block to zeros', () => {
    expect(Array.from(dequantizeQ8_0(quantizeQ8_0(new Float32Array(32)), 32))).toEqual(new Array(32).fill(0));
  });
});
