import { f16ToF32, f32ToF16 } from './f16.js';

/**
 * ggml's Q8_0: blocks of 32 values, each stored as an f16 scale d = max|x| / 127
 * followed by 32 int8 q = round(x / d) (34 bytes per block). The quantized value
 * is computed with the f32 scale, then the scale is stored as f16, as
 * quantize_row_q8_0_ref does.
 */
export const QK8_0 = 32;
export const Q8_0_BLOCK_BYTES = 2 + QK8_0;

export function quantizeQ8_0(x: Float32Array): Uint8Array {
  if (x.length % QK8_0 !== 0) throw new RangeError(`q8_0 needs a multiple of ${QK8_0} values, got ${x.length}`);
  const blocks = x.length / QK8_0;
  const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  const q = new Int8Array(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const base = b * QK8_0;
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(x[base + j]));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const o = b * Q8_0_BLOCK_BYTES;
    view.setUint16(o, f32ToF16(d), true);
    for (let j = 0; j < QK8_0; j++) {
      const v = Math.fround(x[base + j] * id);
      // roundf: halves away from zero.
      q[o + 2 + j] = v < 0 ? -Math.round(-v) : Math.round(v);
    }
  }
  return out;
}

export function dequantizeQ8_0(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < count / QK8_0; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    const d = f16ToF32(view.getUint16(o, true));
    for (let j = 0; j < QK8_0; j++) out[b * QK8_0 + j] = d * view.getInt8(o + 2 + j);
  }
  return out;
}
