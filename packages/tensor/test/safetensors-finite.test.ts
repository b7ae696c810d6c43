// Weights with NaN or ±Inf (flipped bytes, a diverged run's save) are refused on read, naming the
// file, the tensor and how many values, instead of loading silently and generating garbage.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
};

describe('safetensors: non-finite values', () => {
  it('a NaN or an infinity in a float tensor fails the read, naming the file, the tensor and the count', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kiln-st-nan-')), 'optimizer.safetensors');
    await writeSafetensors(
      path,
      new Map([
        ['fine', { shape: [3], data: Float32Array.from([1, -2, 3]) }],
        ['h.0.mlp.c_fc.weight.exp_avg', { shape: [4], data: Float32Array.from([0, Number.NaN, 1, -Infinity]) }],
      ]),
    );
    await expect(readSafetensors(path)).rejects.toThrow(
      `${path}: tensor 'h.0.mlp.c_fc.weight.exp_avg' holds 2 non-finite values (NaN or ±Inf; the first at index 1)`,
    );
  });

  it('an f16 infinity counts too; integer tensors and finite extremes pass', () => {
    const extremes = concat(
      serializeSafetensors(new Map([['ok', { shape: [2], data: Float32Array.from([3.4e38, -1e-45]) }]])),
    );
    expect(parseSafetensors(extremes, 'f.safetensors').tensors.get('ok')?.data).toEqual(
      Float32Array.from([3.4e38, -1e-45]),
    );
    // A hand-made F16 tensor holding +Inf (0x7c00).
    const header = JSON.stringify({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } });
    const padded = header + ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(padded.length), true);
    const bytes = concat([len, new TextEncoder().encode(padded), Uint8Array.from([0x00, 0x3c, 0x00, 0x7c])]);
    expect(() => parseSafetensors(bytes, 'h.safetensors')).toThrow(/h\.safetensors: tensor 'h' holds 1 non-finite/);
    const ints = concat(
      serializeSafetensors(new Map([['i', { shape: [2], data: Int32Array.from([0x7fc00000, -1]) }]])),
    );
    expect(parseSafetensors(ints).tensors.get('i')?.data).toEqual(Int32Array.from([0x7fc00000, -1]));
  });

  it('a reader that expects them may allow them', () => {
    const bytes = concat(serializeSafetensors(new Map([['m', { shape: [1], data: Float32Array.from([-Infinity]) }]])));
    expect(parseSafetensors(bytes, 'mask', { allowNonFinite: true }).tensors.get('m')?.data[0]).toBe(-Infinity);
  });
});
