/**
 * The `model:` fields every transformer architecture shares, as zod parts: an
 * architecture spreads `transformerFields` into its own strictObject, adds its
 * fields, and calls `checkTransformer` in its superRefine. The messages then
 * read the same for GPT-2, Llama, BERT and a third-party architecture.
 */
import { z } from 'zod';
import { checkOptions } from './config/schema.js';
import type { StandardSchemaV1 } from './types.js';

/** A whole number above zero (sizes, counts). */
export const positiveInt = z.number().int().positive();

export const transformerFields = {
  vocabSize: positiveInt,
  /** Context length (learned or rotary positions). */
  context: positiveInt.optional(),
  /** Hugging Face's name for the context length; either may be given. */
  nPositions: positiveInt.optional(),
  nLayer: positiveInt,
  nEmbd: positiveInt,
  nHead: positiveInt,
};

export interface TransformerOptions {
  vocabSize: number;
  context?: number;
  nPositions?: number;
  nEmbd: number;
  nHead: number;
}

/** The checks the shared fields need together: a context length, a width split into whole heads. */
export function checkTransformer(o: TransformerOptions, ctx: z.core.$RefinementCtx): void {
  if (o.context === undefined && o.nPositions === undefined) {
    ctx.addIssue({ code: 'custom', path: ['context'], message: 'required: the context length (or nPositions)' });
  }
  if (o.nEmbd % o.nHead !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['nEmbd'],
      message: `${o.nEmbd} must be divisible by model.nHead (${o.nHead})`,
    });
  }
}

/** The sizes every transformer config has, from options `checkTransformer` accepted (the context as nPositions). */
export function transformerSizes(o: TransformerOptions & { nLayer: number }): {
  vocabSize: number;
  nPositions: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
} {
  const nPositions = o.nPositions ?? o.context;
  if (nPositions === undefined) throw new TypeError('transformerSizes: options were not checked with checkTransformer');
  return { vocabSize: o.vocabSize, nPositions, nLayer: o.nLayer, nEmbd: o.nEmbd, nHead: o.nHead };
}

/** The `model:` section (its `architecture` key aside) checked against an architecture's schema; errors name the plugin. */
export function checkModelOptions<Output>(
  schema: StandardSchemaV1<unknown, Output>,
  options: Record<string, unknown>,
  plugin: string,
): Output {
  const { architecture: _architecture, ...rest } = options;
  return checkOptions(schema, rest, { plugin, section: 'model' });
}

/** A token id option (eos, bos, pad) must lie inside the vocabulary. */
export function checkTokenId(
  o: TransformerOptions,
  field: string,
  id: number | undefined,
  ctx: z.core.$RefinementCtx,
): void {
  if (id !== undefined && id >= o.vocabSize) {
    ctx.addIssue({ code: 'custom', path: [field], message: `${id} is outside the vocabulary of ${o.vocabSize}` });
  }
}
