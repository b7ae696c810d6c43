/**
 * A Hugging Face GPT-2 (config.json + named weights + tokenizer.json) as the GGUF
 * llama.cpp's `gpt2` architecture loads, following its convert_hf_to_gguf.py:
 * - names: wte → token_embd, h.N.attn.c_attn → blk.N.attn_qkv, ...;
 * - GPT-2's Conv1D weights are stored (in, out); ggml wants (out, in) row-major
 *   (ne = [in, out]), so c_attn, c_proj and c_fc weights are transposed;
 * - the causal-mask buffers (attn.bias, attn.masked_bias) are dropped, and a tied
 *   lm_head is left out (llama.cpp reuses token_embd when output.weight is absent);
 * - 1-D tensors (norms, biases) stay f32 whatever the requested type, and q8_0
 *   falls back to f16 for a matrix whose rows are not a multiple of 32.
 */
import { QK8_0 } from './q8_0.js';
import { tokenizerMetadata, type GgufTokenizerOptions } from './tokenizer.js';
import { FILE_TYPE, kv, type GgufMetadata, type GgufTensor, type TensorType } from './types.js';
import type { GgufFile } from './writer.js';

export interface NamedTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface Gpt2GgufInput {
  /** config.json of a GPT2LMHeadModel. */
  config: Record<string, unknown>;
  /** Weights by Hugging Face name, with or without the `transformer.` prefix. */
  tensors: ReadonlyMap<string, NamedTensor> | Record<string, NamedTensor>;
  /** tokenizer.json content. */
  tokenizer: unknown;
  /** Type of the 2-D weights (default f16). */
  type?: TensorType;
  /** general.name (default 'kiln-gpt2'). */
  name?: string;
  tokenizerOptions?: GgufTokenizerOptions;
  /** Extra metadata (general.description, general.license, kiln.* ...). */
  metadata?: GgufMetadata;
}

const LAYER_MAP: Record<string, string> = {
  'ln_1.weight': 'attn_norm.weight',
  'ln_1.bias': 'attn_norm.bias',
  'attn.c_attn.weight': 'attn_qkv.weight',
  'attn.c_attn.bias': 'attn_qkv.bias',
  'attn.c_proj.weight': 'attn_output.weight',
  'attn.c_proj.bias': 'attn_output.bias',
  'ln_2.weight': 'ffn_norm.weight',
  'ln_2.bias': 'ffn_norm.bias',
  'mlp.c_fc.weight': 'ffn_up.weight',
  'mlp.c_fc.bias': 'ffn_up.bias',
  'mlp.c_proj.weight': 'ffn_down.weight',
  'mlp.c_proj.bias': 'ffn_down.bias',
};
const TOP_MAP: Record<string, string> = {
  'wte.weight': 'token_embd.weight',
  'wpe.weight': 'position_embd.weight',
  'ln_f.weight': 'output_norm.weight',
  'ln_f.bias': 'output_norm.bias',
  'lm_head.weight': 'output.weight',
};
const CONV1D = /\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

/** GGUF name for a Hugging Face GPT-2 weight name; null for buffers llama.cpp does not use. */
export function gpt2TensorName(hfName: string): string | null {
  const name = hfName.replace(/^transformer\./, '');
  if (/\.attn\.(masked_)?bias$/.test(name)) return null;
  if (TOP_MAP[name]) return TOP_MAP[name];
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  if (m && LAYER_MAP[m[2]]) return `blk.${m[1]}.${LAYER_MAP[m[2]]}`;
  throw new Error(`GGUF gpt2 export: no llama.cpp name for weight '${hfName}'`);
}

export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

function storageType(shape: readonly number[], requested: TensorType): TensorType {
  if (shape.length < 2) return 'f32';
  if (requested === 'q8_0' && shape[shape.length - 1] % QK8_0 !== 0) return 'f16';
  return requested;
}

const sameData = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export function gpt2ToGguf(input: Gpt2GgufInput): GgufFile {
  const c = input.config;
  const where = 'GGUF gpt2 export: config.json';
  const int = (key: string, ...alts: string[]) => {
    for (const k of [key, ...alts]) if (Number.isInteger(c[k])) return c[k] as number;
    throw new Error(`${where}: '${key}' must be an integer`);
  };
  const nEmbd = int('n_embd');
  const type = input.type ?? 'f16';
  const entries = input.tensors instanceof Map ? [...input.tensors] : Object.entries(input.tensors);
  const byName = new Map(entries.map(([k, v]) => [k.replace(/^transformer\./, ''), v]));

  const tensors: GgufTensor[] = [];
  for (const [hfName, t] of entries) {
    const name = gpt2TensorName(hfName);
    if (name === null) continue;
    if (!(t.data instanceof Float32Array)) throw new Error(`GGUF gpt2 export: weight '${hfName}' must be float32`);
    // A tied lm_head duplicates wte: llama.cpp falls back to token_embd without it.
    if (name === 'output.weight' && byName.has('wte.weight') && sameData(t.data, byName.get('wte.weight')!.data)) continue;
    let shape = [...t.shape];
    let data = t.data;
    if (CONV1D.test(hfName)) {
      if (shape.length !== 2) throw new Error(`GGUF gpt2 export: Conv1D weight '${hfName}' must be 2-D, got [${shape}]`);
      data = transpose2d(data, shape[0], shape[1]);
      shape = [shape[1], shape[0]];
    }
    tensors.push({ name, shape, data, type: storageType(shape, type) });
  }
  if (!tensors.some((t) => t.name === 'token_embd.weight')) throw new Error('GGUF gpt2 export: the weights have no wte.weight');

  const metadata: GgufMetadata = {
    'general.architecture': kv.string('gpt2'),
    'general.name': kv.string(input.name ?? 'kiln-gpt2'),
    'general.file_type': kv.u32(FILE_TYPE[type]),
    'general.quantization_version': kv.u32(2),
    'gpt2.context_length': kv.u32(int('n_positions', 'n_ctx')),
    'gpt2.embedding_length': kv.u32(nEmbd),
    'gpt2.feed_forward_length': kv.u32(Number.isInteger(c.n_inner) ? (c.n_inner as number) : 4 * nEmbd),
    'gpt2.block_count': kv.u32(int('n_layer')),
    'gpt2.attention.head_count': kv.u32(int('n_head')),
    'gpt2.attention.layer_norm_epsilon': kv.f32(typeof c.layer_norm_epsilon === 'number' ? c.layer_norm_epsilon : 1e-5),
    ...tokenizerMetadata(input.tokenizer, {
      vocabSize: int('vocab_size'),
      eosId: Number.isInteger(c.eos_token_id) ? (c.eos_token_id as number) : undefined,
      bosId: Number.isInteger(c.bos_token_id) ? (c.bos_token_id as number) : undefined,
      ...input.tokenizerOptions,
    }),
    ...input.metadata,
  };
  return { metadata, tensors };
}
