// The engine's weight names (Hugging Face's GPT-2 names), built once per engine and shared by its
// forward pass and its decode step, not a template string per layer per token.

/** The token embedding, also the tied LM head. */
export const WTE = 'transformer.wte.weight';
export const WPE = 'transformer.wpe.weight';
export const LN_F = ['transformer.ln_f.weight', 'transformer.ln_f.bias'] as const;

export type LayerNames = ReturnType<typeof layerNames>;

export function layerNames(nLayer: number) {
  return Array.from({ length: nLayer }, (_, l) => {
    const p = `transformer.h.${l}.`;
    return {
      ln1: [`${p}ln_1.weight`, `${p}ln_1.bias`] as const,
      ln2: [`${p}ln_2.weight`, `${p}ln_2.bias`] as const,
      attn: `${p}attn.c_attn.weight`,
      proj: `${p}attn.c_proj.weight`,
      fc: `${p}mlp.c_fc.weight`,
      out: `${p}mlp.c_proj.weight`,
    };
  });
}

/** Names of the matrices a compressor may replace (wte is also the tied LM head). */
export function linearNames(nLayer: number): string[] {
  const names = [WTE];
  for (const l of layerNames(nLayer)) names.push(l.attn, l.proj, l.fc, l.out);
  return names;
}
