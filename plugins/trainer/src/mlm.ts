import type { KilnContext, StageResult, Tokenizer, TrainerProvider } from '@kiln/core';
import { z } from 'zod';
import { trainCausalLM } from './causal-lm.js';
import { resolveData } from './data.js';
import { MaskedBatches, type MaskingOptions } from './masking.js';
import { causalLmOptionsSchema } from './options.js';

const where = 'kiln:trainer (mlm)';

/** The `train:` section for `trainer: 'mlm'`: every causal-lm knob, plus the masking. */
export const mlmOptionsSchema = causalLmOptionsSchema.extend({
  /** Share of tokens to predict (BERT: 0.15). */
  maskProbability: z.number().gt(0).lt(1).default(0.15),
  /** Of the predicted tokens, the share replaced by the mask token (BERT: 0.8)... */
  maskShare: z.number().min(0).max(1).default(0.8),
  /** ...and the share replaced by a random token (BERT: 0.1); the rest stay as they are. */
  randomShare: z.number().min(0).max(1).default(0.1),
  /** Mask token id; default the tokenizer's '[MASK]' special token. Required for byte-level text data. */
  maskTokenId: z.number().int().nonnegative().optional(),
});

export type MlmOptionsInput = z.input<typeof mlmOptionsSchema>;
type MlmOptions = z.output<typeof mlmOptionsSchema>;

/** The mask id, the random-token range and the ids never masked: from the options and the run's tokenizer. */
async function maskingFor(
  o: MlmOptions,
  ctx: KilnContext,
): Promise<Omit<MaskingOptions, 'probability' | 'maskShare' | 'randomShare'>> {
  const modelVocab = (ctx.config.model as { vocabSize?: number } | undefined)?.vocabSize;
  if (o.data?.text) {
    // Byte-level text: tokens 0..255, so the mask token must be an id the model has beyond them.
    if (o.maskTokenId === undefined)
      throw new Error(
        `${where}: train.maskTokenId is required with byte-level text data (e.g. 256, with model.vocabSize 257)`,
      );
    return { maskTokenId: o.maskTokenId, randomVocab: 256, specialIds: new Set([o.maskTokenId]) };
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = await ctx.hooks.loadTokenizer();
  } catch (e) {
    if (o.maskTokenId === undefined || !modelVocab) {
      throw new Error(
        `${where}: no tokenizer to take '[MASK]' from (${(e as Error).message}); set train.maskTokenId and model.vocabSize`,
      );
    }
    return { maskTokenId: o.maskTokenId, randomVocab: modelVocab, specialIds: new Set([o.maskTokenId]) };
  }
  const maskTokenId = o.maskTokenId ?? tokenizer.specialTokens['[MASK]'];
  if (maskTokenId === undefined) {
    throw new Error(
      `${where}: the tokenizer has no '[MASK]' special token (it has ${Object.keys(tokenizer.specialTokens).join(', ') || 'none'}); add one (WordPiece's defaults include it) or set train.maskTokenId`,
    );
  }
  return {
    maskTokenId,
    randomVocab: tokenizer.vocabSize,
    specialIds: new Set([...Object.values(tokenizer.specialTokens), maskTokenId]),
  };
}

/**
 * Masked-LM pretraining (BERT): the causal-lm loop (schedule, accumulation,
 * clipping, evaluation, checkpoints, exact resume) over masked batches. The
 * objective lives entirely in the data: inputs with 15% of tokens masked
 * (80/10/10), targets holding the originals there and ignore-index elsewhere,
 * so any bidirectional model whose forward(ids, targets) returns the
 * cross-entropy (e.g. @kiln/bert) trains with it.
 */
export async function trainMLM(o: MlmOptions, ctx: KilnContext): Promise<StageResult> {
  const masking = await maskingFor(o, ctx);
  const modelVocab = (ctx.config.model as { vocabSize?: number } | undefined)?.vocabSize;
  if (modelVocab !== undefined && (masking.maskTokenId >= modelVocab || masking.randomVocab > modelVocab)) {
    throw new Error(
      `${where}: model.vocabSize (${modelVocab}) must cover the mask token ${masking.maskTokenId} and the ${masking.randomVocab} data tokens`,
    );
  }
  const mo: MaskingOptions = {
    ...masking,
    probability: o.maskProbability,
    maskShare: o.maskShare,
    randomShare: o.randomShare,
  };
  const data = await resolveData(o.data, ctx);
  ctx.logger.info('masked-LM data', {
    ...data.describe,
    maskProbability: mo.probability,
    maskShare: mo.maskShare,
    randomShare: mo.randomShare,
    maskTokenId: mo.maskTokenId,
  });
  const valSeed = ctx.rng.fork('kiln:trainer:mlm-val-mask').state();
  const train = new MaskedBatches(data.train, ctx.rng.fork('kiln:trainer:mlm-mask'), mo);
  const makeVal = data.makeVal
    ? () => {
        // The same masks at every evaluation, so validation losses compare.
        const rng = ctx.rng.fork('kiln:trainer:mlm-val-mask');
        rng.restore(valSeed);
        return new MaskedBatches(data.makeVal!(), rng, mo);
      }
    : undefined;
  // The causal-lm loop over masked batches: the same options without the masking.
  const { maskProbability: _p, maskShare: _s, randomShare: _r, maskTokenId: _m, ...causal } = o;
  return trainCausalLM(causal, ctx, { train, makeVal });
}

/** The `mlm` trainer: `plugins: [bert(), mlm()]`, `train: { trainer: 'mlm', ... }`. */
export function mlmTrainerProvider(): TrainerProvider {
  return {
    name: 'mlm',
    stage: 'train',
    options: mlmOptionsSchema,
    // Core checked the section with mlmOptionsSchema: these are its parsed, defaulted options.
    run: (options, ctx) => trainMLM(options as MlmOptions, ctx),
  };
}
