import type { FloatArray } from '../ref-buf.js';

export interface RopeDims {
  B: number;
  T: number;
  H: number;
  Hkv: number;
  D: number;
  theta: number;
  posOffset: number;
}

/** cos/sin tables [T, D/2] for positions posOffset..posOffset+T-1 (HF Llama: inv_freq = theta^(-2i/D)). */
function tables(d: RopeDims): { cos: Float64Array; sin: Float64Array } {
  const half = d.D / 2;
  const cos = new Float64Array(d.T * half);
  const sin = new Float64Array(d.T * half);
  for (let t = 0; t < d.T; t++) {
    for (let i = 0; i < half; i++) {
      // HF computes inv_freq in f32; rounding it the same way keeps angles identical.
      const invFreq = Math.fround(1 / d.theta ** ((2 * i) / d.D));
      const angle = Math.fround((d.posOffset + t) * invFreq);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Rotate the query and key heads of a packed qkv (B,T,(H+2Hkv)·D) by their
 * position ("rotate half": element i pairs with i + D/2); value heads are copied.
 * sign = +1 rotates forward; -1 applies the inverse rotation (the backward), and
 * `accumulate` adds into out instead of overwriting.
 */
export function rope(out: FloatArray, inp: FloatArray, d: RopeDims, sign: 1 | -1, accumulate: boolean): void {
  const { B, T, H, Hkv, D } = d;
  const half = D / 2;
  const S = (H + 2 * Hkv) * D;
  const { cos, sin } = tables(d);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * S;
      for (let head = 0; head < H + Hkv; head++) {
        const base = row + head * D;
        for (let i = 0; i < half; i++) {
          const c = cos[t * half + i];
          const s = sin[t * half + i] * sign;
          const x1 = inp[base + i];
          const x2 = inp[base + i + half];
          const y1 = x1 * c - x2 * s;
          const y2 = x2 * c + x1 * s;
          if (accumulate) {
            out[base + i] += y1;
            out[base + i + half] += y2;
          } else {
            out[base + i] = y1;
            out[base + i + half] = y2;
          }
        }
      }
      const v = row + (H + Hkv) * D;
      for (let i = 0; i < Hkv * D; i++) out[v + i] = accumulate ? out[v + i] + inp[v + i] : inp[v + i];
    }
  }
}
