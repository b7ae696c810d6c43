import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

/** A hand-built file in the documented layout (header length, JSON, data). */
function handmade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat([len, json, data]);
}

describe('safetensors', () => {
  it('round-trips F32, I32 and I8 tensors and metadata through a file, atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-st-'));
    const path = join(dir, 'model.safetensors');
    const tensors = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, 7]) }],
      ['ids', { shape: [4], data: Int32Array.from([0, -1, 2 ** 31 - 1, 5]) }],
      ['q', { shape: [1, 3], data: Int8Array.from([-128, 0, 127]) }],
      ['empty', { shape: [0], data: new Float32Array(0) }],
    ]);
    await writeSafetensors(path, tensors, { format: 'pt', note: 'hi' });
    expect(readdirSync(dir)).toEqual(['model.safetensors']); // no temp file left behind
    const bytes = readFileSync(path);
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ format: 'pt', note: 'hi' });
    for (const [name, t] of tensors) {
      const got = back.tensors.get(name)!;
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got.data)).toEqual(Array.from(t.data));
    }
  });

  it('reads F16 and BF16 as f32', () => {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal = 0x0001. BF16: 1.0 = 0x3f80, -3.0 = 0xc040.
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]);
    const bf16 = new Uint16Array([0x3f80, 0xc040]);
    const data = concat([new Uint8Array(f16.buffer), new Uint8Array(bf16.buffer)]);
    const file = parseSafetensors(
      handmade(
        {
          h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        },
        data,
      ),
    );
    expect(Array.from(file.tensors.get('h')!.data)).toEqual([1, -2, 65504, Math.fround(2 ** -24)]);
    expect(Array.from(file.tensors.get('b')!.data)).toEqual([1, -3]);
  });

  it('refuses damaged files with the file name and the tensor', () => {
    expect(() => parseSafetensors(new Uint8Array(3), 'x.safetensors')).toThrow(/x.safetensors: file is 3 bytes/);
    const bad = handmade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect(() => parseSafetensors(bad, 'y.safetensors')).toThrow(
      /y.safetensors: tensor 'w' offsets \[0, 8\] do not match shape \[3\]/,
    );
    const odd = handmade({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect(() => parseSafetensors(odd, 'z')).toThrow(/unknown dtype C64/);
  });

  it('serializes in map order with contiguous offsets', () => {
    const parts = serializeSafetensors(
      new Map([
        ['b', { shape: [1], data: Float32Array.of(2) }],
        ['a', { shape: [2], data: Float32Array.of(3, 4) }],
      ]),
    );
    const file = parseSafetensors(concat(parts));
    expect([...file.tensors.keys()]).toEqual(['b', 'a']);
    expect(Array.from(file.tensors.get('a')!.data)).toEqual([3, 4]);
  });
});
