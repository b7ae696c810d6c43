/**
 * A Hugging Face Llama (LlamaForCausalLM: config.json + named weights +
 * tokenizer.json with a byte-level BPE) as llama.cpp's `llama` architecture,
 * following convert_hf_to_gguf.py's LlamaModel:
 * - names: model.layers.N.self_attn.q_proj → blk.N.attn_q, mlp.gate_proj → ffn_gate, ...;
 * - Linear weights are already (out, in): no transpose;
 * - q_proj and k_proj rows are permuted from HF's "rotate half" RoPE layout (the two
 *   halves of each head) to ggml's interleaved pairs (`permuteForRope`);
 * - a tied lm_head is left out (llama.cpp reuses token_embd).
 */
import { QK8_0 } from './q8_0.js';
import { tokenizerMetadata, type GgufTokenizerOptions } from './tokenizer.js';
import { FILE_TYPE, kv, type GgufMetadata, type GgufTensor, type TensorType } from './types.js';
import type { NamedTensor } from './gpt2.js';
import type { GgufFile } from './writer.js';

export interface LlamaGgufInput {
  /** config.json of a LlamaForCausalLM. */
  config: Record<string, unknown>;
  /** Weights by Hugging Face name (model.layers.N...., lm_head.weight). */
  tensors: ReadonlyMap<string, NamedTensor> | Record<string, NamedTensor>;
  /** tokenizer.json content (byte-level BPE). */
  tokenizer: unknown;
  type?: TensorType;
  name?: string;
  /** tokenizer.ggml.pre defaults to 'gpt-2' here too; pass the name llama.cpp knows for your pre-tokenizer. */
  tokenizerOptions?: GgufTokenizerOptions;
  metadata?: GgufMetadata;
}

const LAYER_MAP: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.q_proj.bias': 'attn_q.bias',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.o_proj.weight': 'attn_output.weight',
  'post_attention_layernorm.weight': 'ffn_norm.weight',
  'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight',
  'mlp.down_proj.weight': 'ffn_down.weight',
};
const TOP_MAP: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

export function llamaTensorName(hfName: string): string | null {
  if (/\.rotary_emb\.inv_freq$/.test(hfName)) return null;
  if (TOP_MAP[hfName]) return TOP_MAP[hfName];
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  if (m && LAYER_MAP[m[2]]) return `blk.${m[1]}.${LAYER_MAP[m[2]]}`;
  throw new Error(`GGUF llama export: no llama.cpp name for weight '${hfName}'`);
}

/**
 * Reorders the rows of a q/k projection (rows = heads × headDim, row-major with
 * `cols` columns; a bias has cols = 1): within each head, row 2i takes HF's row i
 * and row 2i+1 takes HF's row i + headDim/2.
 */
export function permuteForRope(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  if (rows % heads !== 0 || (rows / heads) % 2 !== 0) throw new Error(`permuteForRope: ${rows} rows do not split into ${heads} heads of even size`);
  const headDim = rows / heads;
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < half; i++)
      for (const [dst, src] of [
        [2 * i, i],
        [2 * i + 1, i + half],
      ]) {
        const from = (h * headDim + src) * cols;
        out.set(data.subarray(from, from + cols), (h * headDim + dst) * cols);
      }
  return out;
}

const sameData = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export function llamaToGguf(input: LlamaGgufInput): GgufFile {
  const c = input.config;
  const int = (key: string, fallback?: number) => {
    if (Number.isInteger(c[key])) return c[key] as number;
    if (fallback !== undefined) return fallback;
    throw new Error(`GGUF llama export: config.json '${key}' must be an integer`);
  };
  const nEmbd = int('hidden_size');
  const nHead = int('num_attention_heads');
  const nHeadKv = int('num_key_value_heads', nHead);
  const headDim = int('head_dim', nEmbd / nHead);
  const type = input.type ?? 'f16';
  const entries = input.tensors instanceof Map ? [...input.tensors] : Object.entries(input.tensors);
  const embed = entries.find(([k]) => k === 'model.embed_tokens.weight')?.[1];
  if (!embed) throw new Error('GGUF llama export: the weights have no model.embed_tokens.weight');

  const tensors: GgufTensor[] = [];
  for (const [hfName, t] of entries) {
    const name = llamaTensorName(hfName);
    if (name === null) continue;
    if (!(t.data instanceof Float32Array)) throw new Error(`GGUF llama export: weight '${hfName}' must be float32`);
    if (name === 'output.weight' && sameData(t.data, embed.data)) continue;
    let data = t.data;
    const heads = /\.attn_q\./.test(name) ? nHead : /\.attn_k\./.test(name) ? nHeadKv : 0;
    if (heads) data = permuteForRope(data, t.shape[0], t.shape.length > 1 ? t.shape[1] : 1, heads);
    const shape = [...t.shape];
    const storage: TensorType = shape.length < 2 ? 'f32' : type === 'q8_0' && shape[shape.length - 1] % QK8_0 !== 0 ? 'f16' : type;
    tensors.push({ name, shape, data, type: storage });
  }

  const metadata: GgufMetadata = {
    'general.architecture': kv.string('llama'),
    'general.name': kv.string(input.name ?? 'kiln-llama'),
    'general.file_type': kv.u32(FILE_TYPE[type]),
    'general.quantization_version': kv.u32(2),
    'llama.vocab_size': kv.u32(int('vocab_size')),
    'llama.context_length': kv.u32(int('max_position_embeddings')),
    'llama.embedding_length': kv.u32(nEmbd),
    'llama.block_count': kv.u32(int('num_hidden_layers')),
    'llama.feed_forward_length': kv.u32(int('intermediate_size')),
    'llama.rope.dimension_count': kv.u32(headDim),
    'llama.rope.freq_base': kv.f32(typeof c.rope_theta === 'number' ? c.rope_theta : 10000),
    'llama.attention.head_count': kv.u32(nHead),
    'llama.attention.head_count_kv': kv.u32(nHeadKv),
    'llama.attention.layer_norm_rms_epsilon': kv.f32(typeof c.rms_norm_eps === 'number' ? c.rms_norm_eps : 1e-6),
    ...(headDim !== nEmbd / nHead && { 'llama.attention.key_length': kv.u32(headDim), 'llama.attention.value_length': kv.u32(headDim) }),
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
