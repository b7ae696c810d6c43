/**
 * Kiln keeps q|k|v and gate|up fused in one matrix each (one matmul instead of
 * three or two); Hugging Face files hold them apart. Both are torch Linear
 * weights [out, in], so fusing stacks rows and splitting slices row blocks.
 *
 *   self_attn.qkv_proj  [(H + 2·Hkv)·D, C]  ↔  q_proj [H·D, C], k_proj [Hkv·D, C], v_proj [Hkv·D, C]
 *   mlp.gate_up_proj    [2·F, C]           ↔  gate_proj [F, C], up_proj [F, C]
 */
import type { LlamaConfig } from './config.js';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

type Parts = Array<[suffix: string, rows: number]>;

function fusedParts(c: Required<LlamaConfig>): Record<string, Parts> {
  const D = c.nEmbd / c.nHead;
  return {
    'self_attn.qkv_proj.weight': [
      ['self_attn.q_proj.weight', c.nHead * D],
      ['self_attn.k_proj.weight', c.nKvHead * D],
      ['self_attn.v_proj.weight', c.nKvHead * D],
    ],
    'mlp.gate_up_proj.weight': [
      ['mlp.gate_proj.weight', c.intermediateSize],
      ['mlp.up_proj.weight', c.intermediateSize],
    ],
  };
}

const LAYER = /^(model\.layers\.\d+\.)(.*)$/;

/** Kiln's parameter names and tensors → Hugging Face's (q/k/v and gate/up split). */
export function toHFTensors(state: Map<string, HostTensor>, c: Required<LlamaConfig>): Map<string, HostTensor> {
  const parts = fusedParts(c);
  const out = new Map<string, HostTensor>();
  for (const [name, t] of state) {
    const m = LAYER.exec(name);
    const split = m ? parts[m[2]] : undefined;
    if (!m || !split) {
      out.set(name, t);
      continue;
    }
    const cols = t.shape[1];
    let row = 0;
    for (const [suffix, rows] of split) {
      out.set(m[1] + suffix, { shape: [rows, cols], data: t.data.slice(row * cols, (row + rows) * cols) });
      row += rows;
    }
    if (row !== t.shape[0]) throw new Error(`kiln:llama: '${name}' has ${t.shape[0]} rows, its parts ${row}`);
  }
  return out;
}

/** Hugging Face's names and tensors → Kiln's (q/k/v and gate/up fused). A missing part is an error naming it. */
export function fromHFTensors(
  state: Map<string, HostTensor>,
  c: Required<LlamaConfig>,
  source: string,
): Map<string, HostTensor> {
  const parts = fusedParts(c);
  const out = new Map<string, HostTensor>();
  const partOf = new Map<string, string>();
  for (const [fused, split] of Object.entries(parts)) for (const [suffix] of split) partOf.set(suffix, fused);
  for (const [name, t] of state) {
    const m = LAYER.exec(name);
    const fused = m ? partOf.get(m[2]) : undefined;
    if (!m || !fused) {
      out.set(name, t);
      continue;
    }
    const key = m[1] + fused;
    if (out.has(key)) continue;
    const pieces = parts[fused].map(([suffix, rows]) => {
      const p = state.get(m[1] + suffix);
      if (!p) throw new Error(`${source}: '${m[1] + suffix}' is missing (needed with '${name}')`);
      if (p.shape.length !== 2 || p.shape[0] !== rows || p.shape[1] !== c.nEmbd) {
        throw new Error(
          `${source}: '${m[1] + suffix}' has shape [${p.shape.join(', ')}], the model expects [${rows}, ${c.nEmbd}]`,
        );
      }
      return p.data;
    });
    const data = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      data.set(p, at);
      at += p.length;
    }
    out.set(key, { shape: [data.length / c.nEmbd, c.nEmbd], data });
  }
  return out;
}
