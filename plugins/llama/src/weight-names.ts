// The engine's weight names (Kiln's fused names, HF's otherwise), built once per engine and shared by
// its forward pass and its decode step, not a template string per layer per token.
import type { LlamaConfig } from './config.js';

export const EMBED = 'model.embed_tokens.weight';
export const FINAL_NORM = 'model.norm.weight';

/** The LM head's matrix: the embedding when tied. */
export const headName = (c: Required<LlamaConfig>) => (c.tieWordEmbeddings ? EMBED : 'lm_head.weight');

export type LayerNames = ReturnType<typeof layerNames>;

export function layerNames(nLayer: number) {
  return Array.from({ length: nLayer }, (_, l) => {
    const p = `model.layers.${l}.`;
    return {
      norm1: `${p}input_layernorm.weight`,
      norm2: `${p}post_attention_layernorm.weight`,
      qkv: `${p}self_attn.qkv_proj.weight`,
      o: `${p}self_attn.o_proj.weight`,
      gateUp: `${p}mlp.gate_up_proj.weight`,
      down: `${p}mlp.down_proj.weight`,
    };
  });
}

/** Every matrix (nn.Linear layout [out, in], no biases): the ones a compressor may replace. */
export function matrixNames(c: Required<LlamaConfig>, layers = layerNames(c.nLayer)): string[] {
  const names = [EMBED, ...(c.tieWordEmbeddings ? [] : ['lm_head.weight'])];
  for (const l of layers) names.push(l.qkv, l.o, l.gateUp, l.down);
  return names;
}

/** The sizes a step needs: head width D and the fused q|k|v row width S. */
export function stepShape(c: Required<LlamaConfig>) {
  const D = c.nEmbd / c.nHead;
  return {
    C: c.nEmbd,
    H: c.nHead,
    Hkv: c.nKvHead,
    D,
    S: (c.nHead + 2 * c.nKvHead) * D,
    F: c.intermediateSize,
    V: c.vocabSize,
    eps: c.rmsNormEps,
    theta: c.ropeTheta,
  };
}
