import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLQuantizationType, GGUFValueType, gguf } from '@huggingface/gguf';
import { describe, expect, it } from 'vitest';
import { encodeTensorData, type GgufTensor, kv, writeGguf } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-gguf-'));

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1);
}

/** Reads the independent parser's view of a file plus each tensor's raw bytes. */
async function readBack(path: string) {
  const parsed = await gguf(path, { allowLocalFile: true, typedMetadata: true });
  const bytes = readFileSync(path);
  const raw = (name: string, length: number) => {
    const info = parsed.tensorInfos.find((t) => t.name === name)!;
    const start = Number(parsed.tensorDataOffset + info.offset);
    return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
  };
  return { ...parsed, raw, size: bytes.length };
}

describe('writeGguf → @huggingface/gguf', () => {
  it('round-trips metadata of every value type', async () => {
    const path = join(dir, 'meta.gguf');
    await writeGguf(path, {
      metadata: {
        'test.u8': kv.u8(255),
        'test.i8': kv.i8(-128),
        'test.u16': kv.u16(65535),
        'test.i16': kv.i16(-32768),
        'test.u32': kv.u32(4294967295),
        'test.i32': kv.i32(-2147483648),
        'test.f32': kv.f32(0.5),
        'test.f64': kv.f64(Math.PI),
        'test.u64': kv.u64(2n ** 63n + 5n),
        'test.i64': kv.i64(-(2n ** 62n)),
        'test.bool': kv.bool(true),
        'test.string': kv.string('héllo 中文 🙂'),
        'test.strings': kv.array('string', ['a', '', 'Ġthe']),
        'test.i32s': kv.array('i32', [1, -2, 3]),
        'test.f32s': kv.array('f32', [0.25, -1]),
        'test.bools': kv.array('bool', [true, false]),
      },
      tensors: [{ name: 'x', shape: [2], type: 'f32', data: Float32Array.of(1, 2) }],
    });
    const { typedMetadata: m, metadata } = await readBack(path);
    expect(metadata.version).toBe(3);
    expect(m['test.u8']).toEqual({ value: 255, type: GGUFValueType.UINT8 });
    expect(m['test.i8']).toEqual({ value: -128, type: GGUFValueType.INT8 });
    expect(m['test.u16']).toEqual({ value: 65535, type: GGUFValueType.UINT16 });
    expect(m['test.i16']).toEqual({ value: -32768, type: GGUFValueType.INT16 });
    expect(m['test.u32']).toEqual({ value: 4294967295, type: GGUFValueType.UINT32 });
    expect(m['test.i32']).toEqual({ value: -2147483648, type: GGUFValueType.INT32 });
    expect(m['test.f32']).toEqual({ value: 0.5, type: GGUFValueType.FLOAT32 });
    expect(m['test.f64']).toEqual({ value: Math.PI, type: GGUFValueType.FLOAT64 });
    expect(m['test.u64']).toEqual({ value: 2n ** 63n + 5n, type: GGUFValueType.UINT64 });
    expect(m['test.i64']).toEqual({ value: -(2n ** 62n), type: GGUFValueType.INT64 });
    expect(m['test.bool']).toEqual({ value: true, type: GGUFValueType.BOOL });
    expect(m['test.string']).toEqual({ value: 'héllo 中文 🙂', type: GGUFValueType.STRING });
    expect(m['test.strings']).toEqual({
      value: ['a', '', 'Ġthe'],
      type: GGUFValueType.ARRAY,
      subType: GGUFValueType.STRING,
    });
    expect(m['test.i32s']).toEqual({ value: [1, -2, 3], type: GGUFValueType.ARRAY, subType: GGUFValueType.INT32 });
    expect(m['test.f32s']).toEqual({ value: [0.25, -1], type: GGUFValueType.ARRAY, subType: GGUFValueType.FLOAT32 });
    expect(m['test.bools']).toEqual({ value: [true, false], type: GGUFValueType.ARRAY, subType: GGUFValueType.BOOL });
  });

  it('round-trips f32, f16 and q8_0 tensors with ggml dims, aligned offsets and exact bytes', async () => {
    for (const alignment of [32, 64]) {
      const path = join(dir, `tensors-${alignment}.gguf`);
      const tensors: GgufTensor[] = [
        { name: 'a.f32', shape: [3, 5], type: 'f32', data: rand(15, 1) },
        { name: 'b.f16', shape: [7], type: 'f16', data: rand(7, 2) },
        { name: 'c.q8_0', shape: [4, 64], type: 'q8_0', data: rand(256, 3) },
        { name: 'd.q8_0.3d', shape: [2, 3, 32], type: 'q8_0', data: rand(192, 4) },
      ];
      const size = await writeGguf(path, {
        metadata: { 'general.architecture': kv.string('test') },
        tensors,
        alignment,
      });
      const back = await readBack(path);
      expect(back.size).toBe(size);
      expect(back.tensorInfos.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
      expect(back.tensorInfos.map((t) => t.shape.map(Number))).toEqual([[5, 3], [7], [64, 4], [32, 3, 2]]);
      expect(back.tensorInfos.map((t) => t.dtype)).toEqual([
        GGMLQuantizationType.F32,
        GGMLQuantizationType.F16,
        GGMLQuantizationType.Q8_0,
        GGMLQuantizationType.Q8_0,
      ]);
      expect(Number(back.tensorDataOffset) % alignment).toBe(0);
      for (const info of back.tensorInfos) expect(Number(info.offset) % alignment).toBe(0);
      if (alignment !== 32)
        expect(back.typedMetadata['general.alignment']).toEqual({ value: alignment, type: GGUFValueType.UINT32 });
      for (const t of tensors) {
        const expected = encodeTensorData(t);
        expect(Buffer.from(back.raw(t.name, expected.length)).equals(Buffer.from(expected)), t.name).toBe(true);
      }
      const f32 = back.raw('a.f32', 60);
      expect(new Float32Array(f32.slice().buffer)).toEqual(tensors[0].data);
    }
    // Atomic: no temporary files left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses bad tensors and values by name', async () => {
    const w = (t: Partial<GgufTensor>, metadata = {}) =>
      writeGguf(join(dir, 'bad.gguf'), {
        metadata,
        tensors: [{ name: 't', shape: [32], type: 'f32', data: new Float32Array(32), ...t }],
      });
    await expect(w({ shape: [4, 4] })).rejects.toThrow(/'t'.*holds 16 values but data has 32/);
    await expect(w({ type: 'q8_0', shape: [2, 16] })).rejects.toThrow(/multiple of 32/);
    await expect(w({ name: 'x'.repeat(64) })).rejects.toThrow(/1\.\.63 bytes/);
    await expect(w({}, { 'k.u8': kv.u8(300) })).rejects.toThrow(/'k.u8'.*not a valid u8/);
    await expect(w({}, { 'k.arr': kv.array('u32', [1, -1]) })).rejects.toThrow(/'k.arr'\[1\]/);
    await expect(writeGguf(join(dir, 'bad.gguf'), { metadata: {}, tensors: [], alignment: 48 })).rejects.toThrow(
      /power of two/,
    );
  });
});
