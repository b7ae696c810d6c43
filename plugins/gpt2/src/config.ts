import {
  checkModelOptions,
  checkTokenId,
  checkTransformer,
  positiveInt,
  transformerFields,
  transformerSizes,
} from '@kiln/core/model-options';
import { z } from 'zod';

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

/**
 * `model:` in llm.config.ts, checked when the config loads: GPT2Config's fields,
 * with `context` as the friendlier name of nPositions.
 */
export const gpt2Options = z
  .strictObject({
    ...transformerFields,
    nInner: positiveInt.optional(),
    layerNormEpsilon: z.number().positive().optional(),
    initializerRange: z.number().positive().optional(),
    eosTokenId: z.number().int().nonnegative().optional(),
  })
  .superRefine((o, ctx) => {
    checkTransformer(o, ctx);
    checkTokenId(o, 'eosTokenId', o.eosTokenId, ctx);
  });

/** Check a config, with errors that name the field and the plugin. */
export function validateConfig(c: GPT2Config, where = 'kiln:gpt2'): Required<GPT2Config> {
  return configFromOptions({ ...c }, where);
}

/** The plugin's `model` options → a validated config with defaults filled in. */
export function configFromOptions(options: Record<string, unknown>, where = 'kiln:gpt2'): Required<GPT2Config> {
  const o = checkModelOptions(gpt2Options, options, where);
  return {
    ...transformerSizes(o),
    nInner: o.nInner ?? 4 * o.nEmbd,
    layerNormEpsilon: o.layerNormEpsilon ?? 1e-5,
    initializerRange: o.initializerRange ?? 0.02,
    eosTokenId: o.eosTokenId ?? o.vocabSize - 1,
  };
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
  if (json.model_type !== 'gpt2')
    throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}, expected "gpt2"`);
  const act = json.activation_function ?? 'gelu_new';
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new Error(
      `${where}: activation_function "${String(act)}" is not supported (Kiln's GPT-2 uses the tanh GELU, "gelu_new")`,
    );
  }
  for (const flag of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'] as const) {
    if (json[flag]) throw new Error(`${where}: ${flag} = true is not supported`);
  }
  if (json.scale_attn_weights === false) throw new Error(`${where}: scale_attn_weights = false is not supported`);
  if (json.tie_word_embeddings === false)
    throw new Error(`${where}: untied word embeddings are not supported (tie_word_embeddings = false)`);
  return validateConfig(
    {
      vocabSize: json.vocab_size as number,
      nPositions: (json.n_positions ?? json.n_ctx) as number,
      nLayer: json.n_layer as number,
      nEmbd: json.n_embd as number,
      nHead: json.n_head as number,
      nInner: (json.n_inner ?? undefined) as number | undefined,
      layerNormEpsilon: json.layer_norm_epsilon as number | undefined,
      initializerRange: json.initializer_range as number | undefined,
      eosTokenId: (json.eos_token_id ?? undefined) as number | undefined,
    },
    where,
  );
}
