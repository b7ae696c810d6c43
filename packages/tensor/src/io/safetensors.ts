import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { writeFileAtomic } from './atomic.js';

/**
 * safetensors (Hugging Face's format): an 8-byte little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {..}} padded
 * with spaces to 8 bytes, then the raw little-endian tensor bytes.
 */

/** dtypes this module writes. */
export type SafetensorsDType = 'F32' | 'I32' | 'I8';

export interface SafeTensor {
  /** The dtype stored in the file (F16/BF16/F64 are converted to f32 on read). */
  dtype: string;
  shape: number[];
  data: Float32Array | Int32Array | Int8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I8: 1, U8: 1, BOOL: 1 };

if (endianness() !== 'LE') throw new Error('safetensors: only little-endian hosts are supported');

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(name: string, dtype: string, bytes: Uint8Array, count: number, where: string): SafeTensor['data'] {
  const copy = new Uint8Array(bytes); // own, aligned copy (a Node Buffer's slice() is a view, not a copy)
  switch (dtype) {
    case 'F32':
      return new Float32Array(copy.buffer, 0, count);
    case 'I32':
      return new Int32Array(copy.buffer, 0, count);
    case 'I8':
      return new Int8Array(copy.buffer, 0, count);
    case 'F64':
      return Float32Array.from(new Float64Array(copy.buffer, 0, count));
    case 'F16': {
      const h = new Uint16Array(copy.buffer, 0, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(h[i]);
      return out;
    }
    case 'BF16': {
      // bf16 is the top half of an f32.
      const h = new Uint16Array(copy.buffer, 0, count);
      const u = new Uint32Array(count);
      for (let i = 0; i < count; i++) u[i] = h[i] << 16;
      return new Float32Array(u.buffer);
    }
    default:
      throw new Error(`${where}: tensor '${name}' has dtype ${dtype}; supported: F32, F16, BF16, F64, I32, I8`);
  }
}

export interface ReadSafetensorsOptions {
  /** Accept NaN and ±Inf in float tensors (default: refused, naming the tensor: weights never hold them). */
  allowNonFinite?: boolean;
}

/** How many values of `data` are NaN or ±Inf (all exponent bits set), and the first one's index. */
function nonFinite(data: Float32Array): { count: number; first: number } {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let count = 0;
  let first = -1;
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7f800000) === 0x7f800000) {
      if (count++ === 0) first = i;
    }
  }
  return { count, first };
}

/** Parse safetensors bytes. `where` names the file in errors. */
export function parseSafetensors(
  bytes: Uint8Array,
  where = 'safetensors',
  options: ReadSafetensorsOptions = {},
): SafetensorsFile {
  if (bytes.length < 8) throw new Error(`${where}: file is ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > bytes.length)
    throw new Error(`${where}: header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`${where}: header is not valid JSON (${(e as Error).message})`);
  }
  const data = bytes.subarray(8 + headerLen);
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (typeof e?.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      throw new Error(`${where}: tensor '${name}' lacks dtype, shape or data_offsets`);
    }
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    const width = BYTES[e.dtype];
    if (width === undefined) throw new Error(`${where}: tensor '${name}' has unknown dtype ${e.dtype}`);
    if (!(begin >= 0 && end <= data.length && end - begin === count * width)) {
      throw new Error(
        `${where}: tensor '${name}' offsets [${begin}, ${end}] do not match shape [${e.shape.join(', ')}] × ${e.dtype} within ${data.length} data bytes`,
      );
    }
    const decoded = decode(name, e.dtype, data.subarray(begin, end), count, where);
    if (decoded instanceof Float32Array && !options.allowNonFinite) {
      // Flipped bytes or a diverged run's save: loading it silently would generate garbage.
      const bad = nonFinite(decoded);
      if (bad.count > 0)
        throw new Error(
          `${where}: tensor '${name}' holds ${bad.count} non-finite value${bad.count === 1 ? '' : 's'} (NaN or ±Inf; the first at index ${bad.first}): the file is damaged, or was saved from a run that diverged`,
        );
    }
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data: decoded });
  }
  return { tensors, metadata };
}

export async function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`safetensors: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseSafetensors(bytes, path, options);
}

function dtypeOf(data: SafeTensor['data']): SafetensorsDType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Int32Array) return 'I32';
  return 'I8';
}

/** Serialise tensors (in the map's order) and string metadata to safetensors bytes. */
export function serializeSafetensors(
  tensors: Map<string, { shape: readonly number[]; data: SafeTensor['data'] }>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string') throw new Error(`safetensors: metadata '${k}' must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(`safetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // align the data section to 8 bytes
  const head = new TextEncoder().encode(json);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(head.length), true);
  return [len, head, ...parts];
}

/** Write a safetensors file atomically (temp file + rename). */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, { shape: readonly number[]; data: SafeTensor['data'] }>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
