/**
 * The model options a fresh model is created from, with the run tokenizer's end-of-text id
 * when the config names none: an architecture's default (vocabSize − 1, GPT-2's layout) is an
 * ordinary token of Kiln's tokenizers, which put special tokens first, and config.json carries
 * it to every export and every tool that reads the checkpoint.
 */
import { existsSync } from 'node:fs';
import type { KilnContext } from '@kiln/core';

export async function withTokenizerIds(
  modelOptions: Record<string, unknown>,
  ctx: Pick<KilnContext, 'runDir' | 'hooks' | 'logger'>,
  where: string,
): Promise<Record<string, unknown>> {
  if (modelOptions.eosTokenId !== undefined) return modelOptions;
  // Data handed to the trainer directly has no tokenizer stage behind it.
  if (!existsSync(ctx.runDir.path('tokenizer'))) return modelOptions;
  let eosId: number;
  try {
    eosId = (await ctx.hooks.loadTokenizer()).eosId;
  } catch (e) {
    ctx.logger.warn(
      `${where}: the run's tokenizer did not load, so config.json keeps the architecture's default end-of-text id: ${(e as Error).message}`,
    );
    return modelOptions;
  }
  return { ...modelOptions, eosTokenId: eosId };
}
