/**
 * GGUF v3 writer: header, metadata, tensor infos, padding, then each tensor's data
 * at an offset aligned to `general.alignment` (32 unless given). Tensors are
 * encoded one at a time and streamed to a temporary file that is renamed into
 * place, so memory holds one tensor and a crash never leaves half a file.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempName } from '../leftovers.js';
import { ByteWriter, writeKeyValue } from './encode.js';
import { f32ToF16 } from './f16.js';
import { Q8_0_BLOCK_BYTES, QK8_0, quantizeQ8_0 } from './q8_0.js';
import {
  GGML_TYPE,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_NAME_BYTES,
  GGUF_VERSION,
  type GgufMetadata,
  type GgufTensor,
  kv,
  type TensorType,
} from './types.js';

export interface GgufFile {
  metadata: GgufMetadata;
  tensors: readonly GgufTensor[];
  /** Data alignment in bytes (a power of two; default 32, written as general.alignment otherwise). */
  alignment?: number;
}

/** Bytes one tensor takes in the file. */
export function tensorBytes(shape: readonly number[], type: TensorType): number {
  const count = shape.reduce((a, b) => a * b, 1);
  if (type === 'f32') return count * 4;
  if (type === 'f16') return count * 2;
  return (count / QK8_0) * Q8_0_BLOCK_BYTES;
}

export function encodeTensorData(t: GgufTensor): Uint8Array {
  if (t.type === 'f32') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.type === 'f16') {
    const out = new Uint16Array(t.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f32ToF16(t.data[i]);
    return new Uint8Array(out.buffer);
  }
  return quantizeQ8_0(t.data);
}

function checkTensor(t: GgufTensor, seen: Set<string>): void {
  const where = `GGUF tensor '${t.name}'`;
  const nameBytes = new TextEncoder().encode(t.name).length;
  if (nameBytes === 0 || nameBytes > GGUF_MAX_NAME_BYTES)
    throw new RangeError(`${where}: names must be 1..${GGUF_MAX_NAME_BYTES} bytes`);
  if (seen.has(t.name)) throw new RangeError(`${where}: appears twice`);
  seen.add(t.name);
  if (t.shape.length < 1 || t.shape.length > 4 || !t.shape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`${where}: shape [${t.shape}] must have 1 to 4 positive dimensions`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count)
    throw new RangeError(`${where}: shape [${t.shape}] holds ${count} values but data has ${t.data.length}`);
  if (!(t.type in GGML_TYPE)) throw new RangeError(`${where}: unknown type '${t.type}' (f32, f16, q8_0)`);
  if (t.type === 'q8_0' && t.shape[t.shape.length - 1] % QK8_0 !== 0)
    throw new RangeError(
      `${where}: q8_0 needs the innermost dimension to be a multiple of ${QK8_0}, got ${t.shape[t.shape.length - 1]}`,
    );
}

/** The header: everything before the first tensor's data, padded to the alignment. */
export function encodeGgufHeader(file: GgufFile): { header: Uint8Array; offsets: number[]; alignment: number } {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!(Number.isInteger(alignment) && alignment > 0 && (alignment & (alignment - 1)) === 0))
    throw new RangeError(`GGUF alignment must be a power of two, got ${alignment}`);
  const metadata: GgufMetadata = { ...file.metadata };
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) metadata['general.alignment'] = kv.u32(alignment);
  const seen = new Set<string>();
  for (const t of file.tensors) checkTensor(t, seen);

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(file.tensors.length);
  w.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) writeKeyValue(w, key, value);

  const offsets: number[] = [];
  let offset = 0;
  for (const t of file.tensors) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) w.u64(t.shape[d]);
    w.u32(GGML_TYPE[t.type]);
    w.u64(offset);
    offsets.push(offset);
    offset += tensorBytes(t.shape, t.type);
    offset += (alignment - (offset % alignment)) % alignment;
  }
  w.padTo(alignment);
  return { header: w.result(), offsets, alignment };
}

/** Writes a GGUF file atomically; returns its size in bytes. */
export async function writeGguf(path: string, file: GgufFile): Promise<number> {
  const { header, offsets, alignment } = encodeGgufHeader(file);
  const tmp = join(dirname(path), tempName(basename(path)));
  const fh = await open(tmp, 'w');
  let position = 0;
  try {
    await fh.write(header, 0, header.length, position);
    position = header.length;
    const zeros = new Uint8Array(alignment);
    for (let i = 0; i < file.tensors.length; i++) {
      const data = encodeTensorData(file.tensors[i]);
      if (position !== header.length + offsets[i])
        throw new Error(`GGUF writer: tensor '${file.tensors[i].name}' landed at the wrong offset`);
      await fh.write(data, 0, data.length, position);
      position += data.length;
      const pad = (alignment - (position % alignment)) % alignment;
      if (pad) await fh.write(zeros, 0, pad, position);
      position += pad;
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  return position;
}
