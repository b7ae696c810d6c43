/** Little-endian byte building for GGUF headers (a growable buffer). */
import { type GgufValue, GgufValueType, type ScalarType, VALUE_TYPE } from './types.js';

export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number) {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number) {
    this.reserve(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number) {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number) {
    this.reserve(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number) {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number) {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number) {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number) {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: bigint | number) {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  i64(v: bigint | number) {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array) {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** gguf_string: u64 byte length, then UTF-8 bytes (no terminator). */
  string(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }

  padTo(alignment: number) {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const INTEGER_RANGE: Partial<Record<ScalarType, [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

function writeScalar(w: ByteWriter, type: ScalarType, value: unknown, where: string): void {
  const range = INTEGER_RANGE[type];
  if (range && !(Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1]))
    throw new RangeError(`${where}: ${JSON.stringify(value)} is not a valid ${type}`);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new TypeError(`${where}: expected a string, got ${typeof value}`);
      return w.string(value);
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError(`${where}: expected a boolean, got ${typeof value}`);
      return w.u8(value ? 1 : 0);
    case 'u64':
    case 'i64':
      if (typeof value !== 'bigint' && !Number.isSafeInteger(value))
        throw new RangeError(`${where}: ${String(value)} is not a valid ${type}`);
      return type === 'u64' ? w.u64(value as bigint | number) : w.i64(value as bigint | number);
    case 'f32':
    case 'f64':
      if (typeof value !== 'number') throw new TypeError(`${where}: expected a number, got ${typeof value}`);
      return type === 'f32' ? w.f32(value) : w.f64(value);
    default:
      return w[type](value as number);
  }
}

/** One metadata pair: key, value type, value (arrays: item type, u64 count, items). */
export function writeKeyValue(w: ByteWriter, key: string, v: GgufValue): void {
  if (!key) throw new RangeError('GGUF metadata keys must be non-empty');
  w.string(key);
  if (v.type === 'array') {
    w.u32(GgufValueType.ARRAY);
    w.u32(VALUE_TYPE[v.itemType]);
    w.u64(v.value.length);
    for (let i = 0; i < v.value.length; i++) writeScalar(w, v.itemType, v.value[i], `metadata '${key}'[${i}]`);
    return;
  }
  w.u32(VALUE_TYPE[v.type]);
  writeScalar(w, v.type, v.value, `metadata '${key}'`);
}
