/**
 * A GGUF file read back and run as llama.cpp lays it out, in plain float64
 * JavaScript: tensors by llama.cpp's names in ggml's order (row-major with ne0
 * = the input size), hyperparameters from the `<arch>.*` metadata, and for the
 * `llama` architecture RoPE over adjacent pairs (llama.cpp's NORM mode, the
 * reason the exporter permutes q/k from Hugging Face's rotate-half). Independent
 * of Kiln's models and engines, so logits equal to theirs check the layout.
 */
import { readFileSync } from 'node:fs';
import { GGMLQuantizationType, gguf } from '@huggingface/gguf';

interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface GgufModel {
  arch: string;
  meta: Record<string, unknown>;
  tensor(name: string): Mat;
  has(name: string): boolean;
}

export async function readGguf(path: string): Promise<GgufModel> {
  const parsed = await gguf(path, { allowLocalFile: true });
  const bytes = readFileSync(path);
  const infos = new Map(parsed.tensorInfos.map((t) => [t.name, t]));
  return {
    arch: String(parsed.metadata['general.architecture']),
    meta: Object.fromEntries(Object.entries(parsed.metadata)),
    has: (name) => infos.has(name),
    tensor(name) {
      const info = infos.get(name);
      if (!info) throw new Error(`GGUF has no tensor ${name}`);
      if (info.dtype !== GGMLQuantizationType.F32) throw new Error(`${name} is not f32`);
      const ne = info.shape.map(Number);
      const count = ne.reduce((a, b) => a * b, 1);
      const start = Number(parsed.tensorDataOffset + info.offset);
      const f32 = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + 4 * count));
      return { cols: ne[0], rows: count / ne[0], data: Float64Array.from(f32) };
    },
  };
}

/** y[t][o] = Σ_i W[o][i] x[t][i] (+ b[o]). */
function matmul(x: Float64Array[], w: Mat, b?: Mat): Float64Array[] {
  return x.map((row) => {
    const y = new Float64Array(w.rows);
    for (let o = 0; o < w.rows; o++) {
      let s = b ? b.data[o] : 0;
      for (let i = 0; i < w.cols; i++) s += w.data[o * w.cols + i] * row[i];
      y[o] = s;
    }
    return y;
  });
}

const layerNorm = (x: Float64Array[], w: Mat, b: Mat, eps: number) =>
  x.map((r) => {
    const mean = r.reduce((a, v) => a + v, 0) / r.length;
    const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
    return r.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w.data[i] + b.data[i]);
  });

const rmsNorm = (x: Float64Array[], w: Mat, eps: number) =>
  x.map((r) => {
    const ms = r.reduce((a, v) => a + v * v, 0) / r.length;
    return r.map((v, i) => (v / Math.sqrt(ms + eps)) * w.data[i]);
  });

const add = (a: Float64Array[], b: Float64Array[]) => a.map((r, t) => r.map((v, i) => v + b[t][i]));
const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const rows = (m: Mat, ids: readonly number[]) => ids.map((id) => m.data.slice(id * m.cols, (id + 1) * m.cols));

/** Causal attention; q has H heads of D, k and v have Hkv heads (query head h reads h / (H / Hkv)). */
function attention(
  q: Float64Array[],
  k: Float64Array[],
  v: Float64Array[],
  H: number,
  Hkv: number,
  D: number,
): Float64Array[] {
  const T = q.length;
  return q.map((qt, t) => {
    const out = new Float64Array(H * D);
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / Hkv));
      const scores = Array.from({ length: t + 1 }, (_, s) => {
        let d = 0;
        for (let j = 0; j < D; j++) d += qt[h * D + j] * k[s][g * D + j];
        return d / Math.sqrt(D);
      });
      const max = Math.max(...scores);
      const p = scores.map((x) => Math.exp(x - max));
      const z = p.reduce((a, b) => a + b, 0);
      for (let s = 0; s <= t && s < T; s++) for (let j = 0; j < D; j++) out[h * D + j] += (p[s] / z) * v[s][g * D + j];
    }
    return out;
  });
}

/** llama.cpp's NORM RoPE: within each head, pairs (2i, 2i+1) rotate by pos · base^(-2i/D). */
function ropeAdjacent(x: Float64Array[], heads: number, D: number, base: number): Float64Array[] {
  return x.map((r, pos) => {
    const out = r.slice();
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < D / 2; i++) {
        const angle = pos * base ** ((-2 * i) / D);
        const [a, b] = [r[h * D + 2 * i], r[h * D + 2 * i + 1]];
        out[h * D + 2 * i] = a * Math.cos(angle) - b * Math.sin(angle);
        out[h * D + 2 * i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
      }
    }
    return out;
  });
}

/** Logits (T, V) of ids at positions 0..T-1. */
export function ggufLogits(m: GgufModel, ids: readonly number[]): Float64Array[] {
  const num = (key: string) => Number(m.meta[`${m.arch}.${key}`]);
  const blocks = num('block_count');
  const H = num('attention.head_count');
  const t = (name: string) => m.tensor(name);
  const head = m.has('output.weight') ? t('output.weight') : t('token_embd.weight');
  if (m.arch === 'gpt2') {
    const eps = num('attention.layer_norm_epsilon');
    const C = num('embedding_length');
    let x = add(
      rows(t('token_embd.weight'), ids),
      rows(
        t('position_embd.weight'),
        ids.map((_, i) => i),
      ),
    );
    for (let l = 0; l < blocks; l++) {
      const p = `blk.${l}.`;
      const qkv = matmul(
        layerNorm(x, t(`${p}attn_norm.weight`), t(`${p}attn_norm.bias`), eps),
        t(`${p}attn_qkv.weight`),
        t(`${p}attn_qkv.bias`),
      );
      const part = (i: number) => qkv.map((r) => r.slice(i * C, (i + 1) * C));
      x = add(
        x,
        matmul(
          attention(part(0), part(1), part(2), H, H, C / H),
          t(`${p}attn_output.weight`),
          t(`${p}attn_output.bias`),
        ),
      );
      const up = matmul(
        layerNorm(x, t(`${p}ffn_norm.weight`), t(`${p}ffn_norm.bias`), eps),
        t(`${p}ffn_up.weight`),
        t(`${p}ffn_up.bias`),
      );
      x = add(
        x,
        matmul(
          up.map((r) => r.map(gelu)),
          t(`${p}ffn_down.weight`),
          t(`${p}ffn_down.bias`),
        ),
      );
    }
    return matmul(layerNorm(x, t('output_norm.weight'), t('output_norm.bias'), eps), head);
  }
  if (m.arch === 'llama') {
    const eps = num('attention.layer_norm_rms_epsilon');
    const Hkv = num('attention.head_count_kv');
    const D = num('rope.dimension_count');
    const base = num('rope.freq_base');
    let x = rows(t('token_embd.weight'), ids);
    for (let l = 0; l < blocks; l++) {
      const p = `blk.${l}.`;
      const h = rmsNorm(x, t(`${p}attn_norm.weight`), eps);
      const q = ropeAdjacent(matmul(h, t(`${p}attn_q.weight`)), H, D, base);
      const k = ropeAdjacent(matmul(h, t(`${p}attn_k.weight`)), Hkv, D, base);
      const v = matmul(h, t(`${p}attn_v.weight`));
      x = add(x, matmul(attention(q, k, v, H, Hkv, D), t(`${p}attn_output.weight`)));
      const f = rmsNorm(x, t(`${p}ffn_norm.weight`), eps);
      const gate = matmul(f, t(`${p}ffn_gate.weight`));
      const up = matmul(f, t(`${p}ffn_up.weight`));
      const act = gate.map((r, ti) => r.map((g, i) => (g / (1 + Math.exp(-g))) * up[ti][i]));
      x = add(x, matmul(act, t(`${p}ffn_down.weight`)));
    }
    return matmul(rmsNorm(x, t('output_norm.weight'), eps), head);
  }
  throw new Error(`no reference forward for GGUF architecture ${m.arch}`);
}
