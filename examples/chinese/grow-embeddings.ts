// A local plugin: before continued pretraining, the English model's embedding (and tied
// output) matrix grows to the extended vocabulary — each new token's row starts as the mean
// of the rows of the English byte pieces it is made of — and training starts from there.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnPlugin } from '@kiln/core';
import { BpeTokenizer, loadTokenizer, resizeCheckpointVocab } from '@kiln/tokenizers';

export interface GrowEmbeddingsOptions {
  /** The English run directory (tokenizer/ and state.json with the trained model). */
  baseRun: string;
  /** Where the grown checkpoint goes, relative to this run's directory (train.initFrom points here). */
  out: string;
}

/** The model directory the base run's train stage produced, from its state.json. */
export async function baseModelDir(baseRun: string): Promise<string> {
  const state = JSON.parse(
    await readFile(join(baseRun, 'state.json'), 'utf8').catch(() => {
      throw new Error(
        `${baseRun}/state.json not found: train the English model first (npx kiln run examples/quickstart)`,
      );
    }),
  ) as { stages?: { train?: { modelDir?: string } } };
  const dir = state.stages?.train?.modelDir;
  if (!dir) throw new Error(`${baseRun}/state.json: the train stage has not finished`);
  return join(baseRun, dir);
}

export default function growEmbeddings(options: GrowEmbeddingsOptions): KilnPlugin {
  return {
    name: 'chinese:grow-embeddings',
    cacheKey: options,
    async onStageStart(stage, ctx) {
      if (stage !== 'train') return;
      const base = await loadTokenizer(join(options.baseRun, 'tokenizer'));
      const extended = await ctx.hooks.loadTokenizer();
      if (!(base instanceof BpeTokenizer) || !(extended instanceof BpeTokenizer))
        throw new Error('grow-embeddings: both tokenizers must be byte-level BPE');
      const from = await baseModelDir(options.baseRun);
      const { vocabSize, grown } = await resizeCheckpointVocab(from, ctx.runDir.path(options.out), base, extended);
      ctx.logger.info(`grew ${grown.join(', ')} from ${base.vocabSize} to ${vocabSize} rows`, {
        from,
        to: ctx.runDir.path(options.out),
      });
    },
  };
}
