import {
  checkModelOptions,
  checkTokenId,
  checkTransformer,
  positiveInt,
  transformerFields,
  transformerSizes,
} from '@kiln/core/model-options';
import { z } from 'zod';

/** Llama's hyperparameters (Hugging Face LlamaConfig, in camelCase). */
export interface LlamaConfig {
  vocabSize: number;
  /** Context length (HF max_position_embeddings). */
  nPositions: number;
  /** HF num_hidden_layers. */
  nLayer: number;
  /** HF hidden_size. */
  nEmbd: number;
  /** Query heads (HF num_attention_heads). */
  nHead: number;
  /** Key/value heads (HF num_key_value_heads); fewer than nHead is grouped-query attention. Default nHead. */
  nKvHead?: number;
  /** SwiGLU width (HF intermediate_size). Default: 8/3·nEmbd rounded up to a multiple of 32, as Llama sizes it. */
  intermediateSize?: number;
  /** Default 1e-6. */
  rmsNormEps?: number;
  /** Base of the rotary frequencies. Default 10000 (Llama 2). */
  ropeTheta?: number;
  /** LM head shares the embedding matrix. Default false (Llama's own choice). */
  tieWordEmbeddings?: boolean;
  /** Std of the normal init. Default 0.02. */
  initializerRange?: number;
  bosTokenId?: number;
  /** Default vocabSize - 1. */
  eosTokenId?: number;
}

/**
 * `model:` in llm.config.ts, checked when the config loads: LlamaConfig's fields,
 * with `context` as the friendlier name of nPositions.
 */
export const llamaOptions = z
  .strictObject({
    ...transformerFields,
    nKvHead: positiveInt.optional(),
    intermediateSize: positiveInt.optional(),
    rmsNormEps: z.number().positive().optional(),
    ropeTheta: z.number().positive().optional(),
    tieWordEmbeddings: z.boolean().optional(),
    initializerRange: z.number().positive().optional(),
    bosTokenId: z.number().int().nonnegative().optional(),
    eosTokenId: z.number().int().nonnegative().optional(),
  })
  .superRefine((o, ctx) => {
    checkTransformer(o, ctx);
    const problem = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    const nKvHead = o.nKvHead ?? o.nHead;
    if (o.nEmbd % o.nHead === 0 && (o.nEmbd / o.nHead) % 2 !== 0) {
      problem('nHead', `the head size nEmbd/nHead (${o.nEmbd / o.nHead}) must be even for rotary embeddings`);
    }
    if (o.nHead % nKvHead !== 0)
      problem('nKvHead', `model.nHead (${o.nHead}) must be a multiple of model.nKvHead (${nKvHead})`);
    checkTokenId(o, 'bosTokenId', o.bosTokenId, ctx);
    checkTokenId(o, 'eosTokenId', o.eosTokenId, ctx);
  });

/** Check a config, with errors that name the field and the plugin. */
export function validateConfig(c: LlamaConfig, where = 'kiln:llama'): Required<LlamaConfig> {
  return configFromOptions({ ...c }, where);
}

/** The plugin's `model` options → a validated config with defaults filled in. */
export function configFromOptions(options: Record<string, unknown>, where = 'kiln:llama'): Required<LlamaConfig> {
  const o = checkModelOptions(llamaOptions, options, where);
  const eosTokenId = o.eosTokenId ?? o.vocabSize - 1;
  return {
    ...transformerSizes(o),
    nKvHead: o.nKvHead ?? o.nHead,
    intermediateSize: o.intermediateSize ?? Math.ceil((8 * o.nEmbd) / 3 / 32) * 32,
    rmsNormEps: o.rmsNormEps ?? 1e-6,
    ropeTheta: o.ropeTheta ?? 10000,
    tieWordEmbeddings: o.tieWordEmbeddings ?? false,
    initializerRange: o.initializerRange ?? 0.02,
    bosTokenId: o.bosTokenId ?? eosTokenId,
    eosTokenId,
  };
}

/** Hugging Face config.json content for LlamaForCausalLM. */
export function toHFConfig(c: Required<LlamaConfig>, writer: string): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: c.vocabSize,
    max_position_embeddings: c.nPositions,
    hidden_size: c.nEmbd,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: c.nEmbd / c.nHead,
    hidden_act: 'silu',
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    pretraining_tp: 1,
    initializer_range: c.initializerRange,
    tie_word_embeddings: c.tieWordEmbeddings,
    use_cache: true,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    torch_dtype: 'float32',
    kiln: { writer, format: 'kiln-llama', version: 1 },
  };
}

/** Parse a Hugging Face Llama config.json; refuses variants this implementation does not compute. */
export function fromHFConfig(json: Record<string, unknown>, where: string): Required<LlamaConfig> {
  if (json.model_type !== 'llama')
    throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}, expected "llama"`);
  const act = json.hidden_act ?? 'silu';
  if (act !== 'silu')
    throw new Error(`${where}: hidden_act "${String(act)}" is not supported (Kiln's Llama uses SwiGLU with silu)`);
  if (json.rope_scaling)
    throw new Error(`${where}: rope_scaling ${JSON.stringify(json.rope_scaling)} is not supported (plain RoPE only)`);
  if (json.attention_bias || json.mlp_bias)
    throw new Error(`${where}: attention_bias / mlp_bias = true is not supported`);
  const hidden = json.hidden_size as number;
  const heads = json.num_attention_heads as number;
  if (json.head_dim !== undefined && json.head_dim !== null && json.head_dim !== hidden / heads) {
    throw new Error(
      `${where}: head_dim ${String(json.head_dim)} differs from hidden_size / num_attention_heads (${hidden / heads}); not supported`,
    );
  }
  const eos = Array.isArray(json.eos_token_id) ? json.eos_token_id[0] : json.eos_token_id;
  return validateConfig(
    {
      vocabSize: json.vocab_size as number,
      nPositions: json.max_position_embeddings as number,
      nLayer: json.num_hidden_layers as number,
      nEmbd: hidden,
      nHead: heads,
      nKvHead: (json.num_key_value_heads ?? undefined) as number | undefined,
      intermediateSize: json.intermediate_size as number,
      rmsNormEps: (json.rms_norm_eps ?? undefined) as number | undefined,
      ropeTheta: (json.rope_theta ?? undefined) as number | undefined,
      tieWordEmbeddings: json.tie_word_embeddings === true,
      initializerRange: (json.initializer_range ?? undefined) as number | undefined,
      bosTokenId: (json.bos_token_id ?? undefined) as number | undefined,
      eosTokenId: (eos ?? undefined) as number | undefined,
    },
    where,
  );
}
