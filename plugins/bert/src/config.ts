import {
  checkModelOptions,
  checkTokenId,
  checkTransformer,
  positiveInt,
  transformerFields,
  transformerSizes,
} from '@kiln/core/model-options';
import { z } from 'zod';

/** BERT's hyperparameters (Hugging Face BertConfig, in camelCase). */
export interface BertConfig {
  vocabSize: number;
  /** Learned positions (HF max_position_embeddings). */
  nPositions: number;
  /** HF num_hidden_layers. */
  nLayer: number;
  /** HF hidden_size. */
  nEmbd: number;
  /** HF num_attention_heads. */
  nHead: number;
  /** MLP width (HF intermediate_size). Default 4·nEmbd. */
  intermediateSize?: number;
  /** Token type (segment A/B) embeddings. Default 2. */
  typeVocabSize?: number;
  /** Default 1e-12, BERT's. */
  layerNormEps?: number;
  /** Default 0.02. */
  initializerRange?: number;
  /** HF pad_token_id (written to config.json). Default 0. */
  padTokenId?: number;
}

/**
 * `model:` in llm.config.ts, checked when the config loads: BertConfig's fields,
 * with `context` as the friendlier name of nPositions.
 */
export const bertOptions = z
  .strictObject({
    ...transformerFields,
    intermediateSize: positiveInt.optional(),
    typeVocabSize: positiveInt.optional(),
    layerNormEps: z.number().positive().optional(),
    initializerRange: z.number().positive().optional(),
    padTokenId: z.number().int().nonnegative().optional(),
  })
  .superRefine((o, ctx) => {
    checkTransformer(o, ctx);
    checkTokenId(o, 'padTokenId', o.padTokenId, ctx);
  });

/**
 * The activation Kiln computes. Deviation from the original BERT (exact erf GELU,
 * HF "gelu"): the Backend contract has only the tanh GELU, so Kiln's BERT uses
 * HF's "gelu_new" and says so in config.json, which HF's BertConfig accepts and
 * computes identically. Checkpoints with hidden_act "gelu" are refused on load.
 */
export const HIDDEN_ACT = 'gelu_new';

/** Check a config, with errors that name the field and the plugin. */
export function validateConfig(c: BertConfig, where = 'kiln:bert'): Required<BertConfig> {
  return configFromOptions({ ...c }, where);
}

/** The plugin's `model` options → a validated config with defaults filled in. */
export function configFromOptions(options: Record<string, unknown>, where = 'kiln:bert'): Required<BertConfig> {
  const o = checkModelOptions(bertOptions, options, where);
  return {
    ...transformerSizes(o),
    intermediateSize: o.intermediateSize ?? 4 * o.nEmbd,
    typeVocabSize: o.typeVocabSize ?? 2,
    layerNormEps: o.layerNormEps ?? 1e-12,
    initializerRange: o.initializerRange ?? 0.02,
    padTokenId: o.padTokenId ?? 0,
  };
}

/** Hugging Face config.json content for BertForMaskedLM. */
export function toHFConfig(c: Required<BertConfig>, writer: string): Record<string, unknown> {
  return {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.nEmbd,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    intermediate_size: c.intermediateSize,
    hidden_act: HIDDEN_ACT,
    hidden_dropout_prob: 0.0,
    attention_probs_dropout_prob: 0.0,
    max_position_embeddings: c.nPositions,
    type_vocab_size: c.typeVocabSize,
    initializer_range: c.initializerRange,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: c.padTokenId,
    position_embedding_type: 'absolute',
    tie_word_embeddings: true,
    use_cache: false,
    torch_dtype: 'float32',
    kiln: { writer, format: 'kiln-bert', version: 1 },
  };
}

export function fromHFConfig(json: Record<string, unknown>, where: string): Required<BertConfig> {
  if (json.model_type !== 'bert')
    throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}, expected "bert"`);
  const act = json.hidden_act ?? 'gelu';
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new Error(
      `${where}: hidden_act "${String(act)}" is not supported: Kiln's BERT computes the tanh GELU ("gelu_new"); the exact erf GELU is not in the Backend contract yet`,
    );
  }
  const pos = json.position_embedding_type ?? 'absolute';
  if (pos !== 'absolute')
    throw new Error(`${where}: position_embedding_type "${String(pos)}" is not supported (absolute only)`);
  if (json.tie_word_embeddings === false)
    throw new Error(`${where}: an untied MLM decoder (tie_word_embeddings = false) is not supported`);
  return validateConfig(
    {
      vocabSize: json.vocab_size as number,
      nPositions: json.max_position_embeddings as number,
      nLayer: json.num_hidden_layers as number,
      nEmbd: json.hidden_size as number,
      nHead: json.num_attention_heads as number,
      intermediateSize: (json.intermediate_size ?? undefined) as number | undefined,
      typeVocabSize: (json.type_vocab_size ?? undefined) as number | undefined,
      layerNormEps: (json.layer_norm_eps ?? undefined) as number | undefined,
      initializerRange: (json.initializer_range ?? undefined) as number | undefined,
      padTokenId: (json.pad_token_id ?? undefined) as number | undefined,
    },
    where,
  );
}
