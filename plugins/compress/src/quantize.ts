/**
 * Group-wise symmetric weight quantization (as llama.cpp's q8_0/q4_0 and
 * GPTQ's RTN baseline): each group of `group` consecutive weights along the
 * input dimension shares one f32 scale; weights round to the nearest level.
 * int4 picks, per group, the clipping of the largest weight (100% down to
 * 70%) that gives the smallest squared error: clipping a rare outlier keeps
 * the other fifteen levels fine enough for the bulk of the weights.
 */
import type { QuantizedHost } from '@kiln/generate';

export interface QuantizeOptions {
  bits: 4 | 8;
  /** Weights per scale; must divide the input dimension. */
  group: number;
}

const CLIP_RATIOS_INT4 = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7];

/** w is [N, K] row-major (rows = output features). */
export function quantizeMatrix(w: Float32Array, N: number, K: number, o: QuantizeOptions): QuantizedHost {
  const { bits, group } = o;
  if (bits !== 4 && bits !== 8) throw new RangeError(`quantize: bits must be 4 or 8, got ${String(bits)}`);
  if (!(Number.isInteger(group) && group >= 2 && group % 2 === 0)) throw new RangeError(`quantize: group must be an even integer >= 2, got ${group}`);
  if (K % group !== 0) throw new RangeError(`quantize: the input dimension ${K} is not a multiple of the group size ${group}`);
  const qmax = bits === 8 ? 127 : 7;
  const qmin = bits === 8 ? -127 : -8;
  const levels = new Int8Array(N * K);
  const scales = new Float32Array((N * K) / group);
  const ratios = bits === 4 ? CLIP_RATIOS_INT4 : [1];
  for (let g = 0; g < scales.length; g++) {
    const start = g * group;
    let absmax = 0;
    for (let i = start; i < start + group; i++) absmax = Math.max(absmax, Math.abs(w[i]));
    if (absmax === 0) continue; // scale 0, levels 0: the group is exactly zero (pruned)
    let best = Infinity;
    let bestScale = 0;
    for (const r of ratios) {
      const s = Math.fround((r * absmax) / qmax);
      let err = 0;
      for (let i = start; i < start + group; i++) {
        const q = Math.min(qmax, Math.max(qmin, Math.round(w[i] / s)));
        err += (w[i] - q * s) ** 2;
      }
      if (err < best) {
        best = err;
        bestScale = s;
      }
    }
    scales[g] = bestScale;
    for (let i = start; i < start + group; i++) levels[i] = Math.min(qmax, Math.max(qmin, Math.round(w[i] / bestScale)));
  }
  if (bits === 8) return { bits, group, data: levels, scales };
  // Two per byte: element 2j in the low nibble, 2j+1 in the high one, each as q + 8.
  const packed = new Int8Array((N * K) / 2);
  for (let j = 0; j < packed.length; j++) packed[j] = (((levels[2 * j + 1] + 8) << 4) | (levels[2 * j] + 8)) << 24 >> 24;
  return { bits, group, data: packed, scales };
}

/** [rows, cols] → [cols, rows]. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}
