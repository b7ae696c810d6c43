/**
 * Llama as llama.cpp's `llama` architecture loads it, following
 * convert_hf_to_gguf.py's LlamaModel:
 * - names: model.layers.N.self_attn.q_proj → blk.N.attn_q, mlp.gate_proj → ffn_gate, ...;
 * - Linear weights are already (out, in): no transpose;
 * - q_proj and k_proj rows are permuted from HF's "rotate half" RoPE layout (the two
 *   halves of each head) to ggml's interleaved pairs (`permuteForRope`, with the KV
 *   head count for k, as LlamaModel.permute does);
 * - a tied lm_head is left out (llama.cpp reuses token_embd).
 */
import type { GgufConversion, NamedHostTensor } from '@kiln/tensor';

const WHERE = 'GGUF llama export';

const LAYER_MAP: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.v_proj.weight': 'attn_v.weight',
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

/** GGUF name for a Hugging Face Llama weight name; null for buffers llama.cpp does not use. */
export function llamaTensorName(hfName: string): string | null {
  if (/\.rotary_emb\.inv_freq$/.test(hfName)) return null;
  if (TOP_MAP[hfName]) return TOP_MAP[hfName];
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  if (m && LAYER_MAP[m[2]]) return `blk.${m[1]}.${LAYER_MAP[m[2]]}`;
  throw new Error(`${WHERE}: no llama.cpp name for weight '${hfName}'`);
}

/**
 * Reorders the rows of a q/k projection (rows = heads × headDim, `cols` columns):
 * within each head, row 2i takes HF's row i and row 2i+1 takes HF's row i + headDim/2.
 */
export function permuteForRope(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  if (rows % heads !== 0 || (rows / heads) % 2 !== 0)
    throw new Error(`permuteForRope: ${rows} rows do not split into ${heads} heads of even size`);
  const headDim = rows / heads;
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const base = h * headDim;
      out.set(data.subarray((base + i) * cols, (base + i + 1) * cols), (base + 2 * i) * cols);
      out.set(data.subarray((base + half + i) * cols, (base + half + i + 1) * cols), (base + 2 * i + 1) * cols);
    }
  }
  return out;
}

const sameData = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export const llamaGguf: GgufConversion = {
  architecture: 'llama',
  convert({ config: c, tensors: hf }) {
    const int = (key: string, fallback?: number) => {
      if (Number.isInteger(c[key])) return c[key] as number;
      if (fallback !== undefined) return fallback;
      throw new Error(`${WHERE}: config.json '${key}' must be an integer`);
    };
    const nEmbd = int('hidden_size');
    const nHead = int('num_attention_heads');
    const nHeadKv = int('num_key_value_heads', nHead);
    const headDim = int('head_dim', nEmbd / nHead);
    const embed = hf.get('model.embed_tokens.weight');
    if (!embed) throw new Error(`${WHERE}: the weights have no model.embed_tokens.weight`);
    const tensors: Array<{ name: string } & NamedHostTensor> = [];
    for (const [hfName, t] of hf) {
      const name = llamaTensorName(hfName);
      if (name === null) continue;
      if (name === 'output.weight' && sameData(t.data, embed.data)) continue;
      const heads = name.endsWith('.attn_q.weight') ? nHead : name.endsWith('.attn_k.weight') ? nHeadKv : 0;
      tensors.push({
        name,
        shape: t.shape,
        data: heads ? permuteForRope(t.data, t.shape[0], t.shape[1], heads) : t.data,
      });
    }
    const u32 = (value: number) => ({ type: 'u32', value }) as const;
    const f32 = (value: number) => ({ type: 'f32', value }) as const;
    const metadata = {
      'llama.vocab_size': u32(int('vocab_size')),
      'llama.context_length': u32(int('max_position_embeddings')),
      'llama.embedding_length': u32(nEmbd),
      'llama.block_count': u32(int('num_hidden_layers')),
      'llama.feed_forward_length': u32(int('intermediate_size')),
      'llama.rope.dimension_count': u32(headDim),
      'llama.rope.freq_base': f32(typeof c.rope_theta === 'number' ? c.rope_theta : 10000),
      'llama.attention.head_count': u32(nHead),
      'llama.attention.head_count_kv': u32(nHeadKv),
      'llama.attention.layer_norm_rms_epsilon': f32(typeof c.rms_norm_eps === 'number' ? c.rms_norm_eps : 1e-6),
      ...(headDim !== nEmbd / nHead && {
        'llama.attention.key_length': u32(headDim),
        'llama.attention.value_length': u32(headDim),
      }),
    };
    return { tensors, metadata };
  },
};
