/**
 * The model options a fresh model is created from, with the run tokenizer's end-of-text id
 * when the config names none: an architecture's default (vocabSize − 1, GPT-2's layout) is an
 * ordinary token of Kiln's tokenizers, which put special tokens first, and config.json carries
 * it to every export and every tool that reads the checkpoint. An architecture whose options have
 * no `eosTokenId` (BERT: an encoder ends no text) is left as it is: its own schema decides.
 */
import { existsSync } from 'node:fs';
import type { KilnContext, StandardSchemaV1 } from '@kiln/core';

export async function withTokenizerIds(
  modelOptions: Record<string, unknown>,
  ctx: Pick<KilnContext, 'runDir' | 'hooks' | 'logger'>,
  where: string,
  schema: StandardSchemaV1,
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
  const withIds = { ...modelOptions, eosTokenId: eosId };
  return (await accepted(schema, withIds)) ? withIds : modelOptions;
}

/** The section was valid when the config loaded, so any issue now comes from the added ids. */
async function accepted(schema: StandardSchemaV1, modelOptions: Record<string, unknown>): Promise<boolean> {
  const { architecture: _, ...section } = modelOptions;
  return !(await schema['~standard'].validate(section)).issues;
}
