/** GPT-2's hyperparameters (Hugging Face GPT2Config, in camelCase). */
export interface GPT2Config {
  vocabSize: number;
  /** Context length: the number of learned positions (HF n_positions). */
  nPositions: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  /** MLP width; default 4·nEmbd (HF n_inner = null). */
  nInner?: number;
  /** Default 1e-5. */
  layerNormEpsilon?: number;
  /** Std of the normal init (HF initializer_range, default 0.02). */
  initializerRange?: number;
  /** Token id written as bos/eos into config.json (default vocabSize - 1, GPT-2's <|endoftext|>). */
  eosTokenId?: number;
}

/** Options accepted by the plugin (`model:` in llm.config.ts): friendlier names, same meaning. */
const OPTION_KEYS: Record<string, keyof GPT2Config> = {
  vocabSize: 'vocabSize',
  context: 'nPositions',
  nPositions: 'nPositions',
  nLayer: 'nLayer',
  nEmbd: 'nEmbd',
  nHead: 'nHead',
  nInner: 'nInner',
  layerNormEpsilon: 'layerNormEpsilon',
  initializerRange: 'initializerRange',
  eosTokenId: 'eosTokenId',
};

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** Check a config, with errors that name the field and the plugin. */
export function validateConfig(c: GPT2Config, where = 'kiln:gpt2'): Required<GPT2Config> {
  const posInt = (k: keyof GPT2Config) => {
    const v = c[k];
    if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`${where}: model.${k} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  for (const k of ['vocabSize', 'nPositions', 'nLayer', 'nEmbd', 'nHead'] as const) posInt(k);
  if (c.nEmbd % c.nHead !== 0) throw new Error(`${where}: model.nEmbd (${c.nEmbd}) must be divisible by model.nHead (${c.nHead})`);
  if (c.nInner !== undefined) posInt('nInner');
  const eps = c.layerNormEpsilon ?? 1e-5;
  if (!(eps > 0)) throw new Error(`${where}: model.layerNormEpsilon must be positive, got ${eps}`);
  const eos = c.eosTokenId ?? c.vocabSize - 1;
  if (!Number.isInteger(eos) || eos < 0 || eos >= c.vocabSize) throw new Error(`${where}: model.eosTokenId ${eos} is outside the vocabulary`);
  return {
    vocabSize: c.vocabSize, nPositions: c.nPositions, nLayer: c.nLayer, nEmbd: c.nEmbd, nHead: c.nHead,
    nInner: c.nInner ?? 4 * c.nEmbd, layerNormEpsilon: eps, initializerRange: c.initializerRange ?? 0.02, eosTokenId: eos,
  };
}

/** The plugin's `model` options → a validated config; unknown keys get a did-you-mean. */
export function configFromOptions(options: Record<string, unknown>, where = 'kiln:gpt2'): Required<GPT2Config> {
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'architecture' || v === undefined) continue;
    const target = OPTION_KEYS[k];
    if (!target) {
      const best = Object.keys(OPTION_KEYS).map((o) => [o, editDistance(k, o)] as const).sort((a, b) => a[1] - b[1])[0];
      const hint = best && best[1] <= 3 ? ` (did you mean '${best[0]}'?)` : `; known: ${Object.keys(OPTION_KEYS).join(', ')}`;
      throw new Error(`${where}: unknown option model.${k}${hint}`);
    }
    c[target] = v;
  }
  return validateConfig(c as unknown as GPT2Config, where);
}

/** Hugging Face config.json content for GPT2LMHeadModel. */
export function toHFConfig(c: Required<GPT2Config>, writer: string): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_ctx: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.nInner === 4 * c.nEmbd ? null : c.nInner,
    activation_function: 'gelu_new',
    resid_pdrop: 0.0,
    embd_pdrop: 0.0,
    attn_pdrop: 0.0,
    layer_norm_epsilon: c.layerNormEpsilon,
    initializer_range: c.initializerRange,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    bos_token_id: c.eosTokenId,
    eos_token_id: c.eosTokenId,
    torch_dtype: 'float32',
    kiln: { writer, format: 'kiln-gpt2', version: 1 },
  };
}

/** Parse a Hugging Face GPT-2 config.json; refuses variants this implementation does not compute. */
export function fromHFConfig(json: Record<string, unknown>, where: string): Required<GPT2Config> {
  if (json.model_type !== 'gpt2') throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}, expected "gpt2"`);
  const act = json.activation_function ?? 'gelu_new';
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new Error(`${where}: activation_function "${String(act)}" is not supported (Kiln's GPT-2 uses the tanh GELU, "gelu_new")`);
  }
  for (const flag of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'] as const) {
    if (json[flag]) throw new Error(`${where}: ${flag} = true is not supported`);
  }
  if (json.scale_attn_weights === false) throw new Error(`${where}: scale_attn_weights = false is not supported`);
  if (json.tie_word_embeddings === false) throw new Error(`${where}: untied word embeddings are not supported (tie_word_embeddings = false)`);
  return validateConfig({
    vocabSize: json.vocab_size as number,
    nPositions: (json.n_positions ?? json.n_ctx) as number,
    nLayer: json.n_layer as number,
    nEmbd: json.n_embd as number,
    nHead: json.n_head as number,
    nInner: (json.n_inner ?? undefined) as number | undefined,
    layerNormEpsilon: json.layer_norm_epsilon as number | undefined,
    initializerRange: json.initializer_range as number | undefined,
    eosTokenId: (json.eos_token_id ?? undefined) as number | undefined,
  }, where);
}
