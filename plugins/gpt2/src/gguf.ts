/**
 * GPT-2 as llama.cpp's `gpt2` architecture loads it, following its
 * convert_hf_to_gguf.py (GPT2Model):
 * - names: wte → token_embd, h.N.attn.c_attn → blk.N.attn_qkv, ...;
 * - GPT-2's Conv1D weights are stored (in, out); ggml wants (out, in) row-major
 *   (ne = [in, out]), so c_attn, c_proj and c_fc weights are transposed;
 * - the causal-mask buffers (attn.bias, attn.masked_bias) are dropped, and a tied
 *   lm_head is left out (llama.cpp reuses token_embd when output.weight is absent).
 */
import type { GgufConversion, NamedHostTensor } from '@kiln/tensor';

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
const WHERE = 'GGUF gpt2 export';

/** GGUF name for a Hugging Face GPT-2 weight name; null for buffers llama.cpp does not use. */
export function gpt2TensorName(hfName: string): string | null {
  const name = hfName.replace(/^transformer\./, '');
  if (/\.attn\.(masked_)?bias$/.test(name)) return null;
  if (TOP_MAP[name]) return TOP_MAP[name];
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  if (m && LAYER_MAP[m[2]]) return `blk.${m[1]}.${LAYER_MAP[m[2]]}`;
  throw new Error(`${WHERE}: no llama.cpp name for weight '${hfName}'`);
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

const sameData = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export const gpt2Gguf: GgufConversion = {
  architecture: 'gpt2',
  convert({ config: c, tensors: hf }) {
    const int = (key: string, ...alts: string[]) => {
      for (const k of [key, ...alts]) if (Number.isInteger(c[k])) return c[k] as number;
      throw new Error(`${WHERE}: config.json '${key}' must be an integer`);
    };
    const nEmbd = int('n_embd');
    const wte = hf.get('transformer.wte.weight') ?? hf.get('wte.weight');
    if (!wte) throw new Error(`${WHERE}: the weights have no wte.weight`);
    const tensors: Array<{ name: string } & NamedHostTensor> = [];
    for (const [hfName, t] of hf) {
      const name = gpt2TensorName(hfName);
      if (name === null) continue;
      // A tied lm_head duplicates wte: llama.cpp falls back to token_embd without it.
      if (name === 'output.weight' && sameData(t.data, wte.data)) continue;
      if (!CONV1D.test(hfName)) {
        tensors.push({ name, shape: t.shape, data: t.data });
        continue;
      }
      if (t.shape.length !== 2)
        throw new Error(`${WHERE}: Conv1D weight '${hfName}' must be 2-D, got [${t.shape.join(', ')}]`);
      tensors.push({ name, shape: [t.shape[1], t.shape[0]], data: transpose2d(t.data, t.shape[0], t.shape[1]) });
    }
    const metadata = {
      'gpt2.context_length': { type: 'u32', value: int('n_positions', 'n_ctx') },
      'gpt2.embedding_length': { type: 'u32', value: nEmbd },
      'gpt2.feed_forward_length': {
        type: 'u32',
        value: Number.isInteger(c.n_inner) ? (c.n_inner as number) : 4 * nEmbd,
      },
      'gpt2.block_count': { type: 'u32', value: int('n_layer') },
      'gpt2.attention.head_count': { type: 'u32', value: int('n_head') },
      'gpt2.attention.layer_norm_epsilon': {
        type: 'f32',
        value: typeof c.layer_norm_epsilon === 'number' ? c.layer_norm_epsilon : 1e-5,
      },
    } as const;
    return { tensors, metadata };
  },
};
