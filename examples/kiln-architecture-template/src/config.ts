/**
 * The architecture's hyperparameters: `model:` in llm.config.ts (checked by
 * `templateOptions` when the config loads) and config.json in a saved model.
 */
import { checkModelOptions, checkTransformer, positiveInt, transformerFields, transformerSizes } from '@kiln/core';
import { z } from 'zod';

/** config.json's model_type: what `load` recognises a saved model of this architecture by. */
export const MODEL_TYPE = 'kiln-template';
export const WRITER = 'kiln-architecture-template@0.1.0';

export interface TemplateConfig {
  vocabSize: number;
  /** Learned positions: the longest sequence the model reads. */
  nPositions: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  /** MLP width. Default 4·nEmbd. */
  nInner: number;
  /** RMSNorm epsilon. Default 1e-6. */
  normEps: number;
  /** Std of the normal init. Default 0.02. */
  initializerRange: number;
}

/** `model:` options: core's shared transformer fields plus this architecture's own. */
export const templateOptions = z
  .strictObject({
    ...transformerFields,
    nInner: positiveInt.optional(),
    normEps: z.number().positive().optional(),
    initializerRange: z.number().positive().optional(),
  })
  .superRefine(checkTransformer);

/** `model:` options (or a config read back) → a complete config; errors name the field and the plugin. */
export function configFromOptions(
  options: Record<string, unknown>,
  where = 'kiln-architecture-template',
): TemplateConfig {
  const o = checkModelOptions(templateOptions, options, where);
  return {
    ...transformerSizes(o),
    nInner: o.nInner ?? 4 * o.nEmbd,
    normEps: o.normEps ?? 1e-6,
    initializerRange: o.initializerRange ?? 0.02,
  };
}

/** config.json content: the config in snake_case, with what wrote it. */
export function toConfigJson(c: TemplateConfig): Record<string, unknown> {
  return {
    architectures: ['KilnTemplateForCausalLM'],
    model_type: MODEL_TYPE,
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_layer: c.nLayer,
    n_embd: c.nEmbd,
    n_head: c.nHead,
    n_inner: c.nInner,
    norm_eps: c.normEps,
    initializer_range: c.initializerRange,
    torch_dtype: 'float32',
    kiln: { writer: WRITER, format: MODEL_TYPE, version: 1 },
  };
}

/** A config.json written by toConfigJson, checked like `model:` options. */
export function fromConfigJson(json: Record<string, unknown>, where: string): TemplateConfig {
  if (json.model_type !== MODEL_TYPE)
    throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}, expected "${MODEL_TYPE}"`);
  return configFromOptions(
    {
      vocabSize: json.vocab_size,
      nPositions: json.n_positions,
      nLayer: json.n_layer,
      nEmbd: json.n_embd,
      nHead: json.n_head,
      nInner: json.n_inner,
      normEps: json.norm_eps,
      initializerRange: json.initializer_range,
    },
    where,
  );
}
