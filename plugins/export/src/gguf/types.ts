/**
 * GGUF v3 constants (ggml's gguf.h / llama.cpp's gguf-py constants.py) and the
 * typed metadata values the writer takes.
 */
export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_NAME is 64 bytes including the terminating NUL. */
export const GGUF_MAX_NAME_BYTES = 63;

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** ggml_type ids of the tensor types we write. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q8_0 = 8,
}

/** llama_ftype: the "mostly" type of a file, stored in general.file_type. */
export enum LlamaFileType {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q8_0 = 7,
}

export type TensorType = 'f32' | 'f16' | 'q8_0';

export const GGML_TYPE: Record<TensorType, GgmlType> = { f32: GgmlType.F32, f16: GgmlType.F16, q8_0: GgmlType.Q8_0 };
export const FILE_TYPE: Record<TensorType, LlamaFileType> = {
  f32: LlamaFileType.ALL_F32,
  f16: LlamaFileType.MOSTLY_F16,
  q8_0: LlamaFileType.MOSTLY_Q8_0,
};

type ScalarNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
type ScalarBigType = 'u64' | 'i64';
export type ScalarType = ScalarNumberType | ScalarBigType | 'bool' | 'string';

export type GgufValue =
  | { type: ScalarNumberType; value: number }
  | { type: ScalarBigType; value: bigint | number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: ScalarType; value: ReadonlyArray<number | bigint | boolean | string> };

export const VALUE_TYPE: Record<ScalarType, GgufValueType> = {
  u8: GgufValueType.UINT8,
  i8: GgufValueType.INT8,
  u16: GgufValueType.UINT16,
  i16: GgufValueType.INT16,
  u32: GgufValueType.UINT32,
  i32: GgufValueType.INT32,
  f32: GgufValueType.FLOAT32,
  bool: GgufValueType.BOOL,
  string: GgufValueType.STRING,
  u64: GgufValueType.UINT64,
  i64: GgufValueType.INT64,
  f64: GgufValueType.FLOAT64,
};

/** Builders for typed metadata values: `{ 'gpt2.block_count': kv.u32(12) }`. */
export const kv = {
  u8: (value: number): GgufValue => ({ type: 'u8', value }),
  i8: (value: number): GgufValue => ({ type: 'i8', value }),
  u16: (value: number): GgufValue => ({ type: 'u16', value }),
  i16: (value: number): GgufValue => ({ type: 'i16', value }),
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  f64: (value: number): GgufValue => ({ type: 'f64', value }),
  u64: (value: bigint | number): GgufValue => ({ type: 'u64', value }),
  i64: (value: bigint | number): GgufValue => ({ type: 'i64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  array: (itemType: ScalarType, value: ReadonlyArray<number | bigint | boolean | string>): GgufValue => ({
    type: 'array',
    itemType,
    value,
  }),
};

export interface GgufTensor {
  /** GGUF name, e.g. 'blk.0.attn_qkv.weight' (at most 63 bytes). */
  name: string;
  /** Row-major shape, outermost first (as torch/numpy); written to the file reversed (ggml's ne order). */
  shape: readonly number[];
  type: TensorType;
  data: Float32Array;
}

export type GgufMetadata = Record<string, GgufValue>;
