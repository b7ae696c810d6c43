// A local plugin: before instruction tuning, the continued-pretraining model and its tokenizer get
// ChatML's two special tokens (<|im_start|>, <|im_end|>) as new ids after the extended vocabulary.
// The tokenizer was extended from the English one, which has only <|endoftext|>; adding the chat
// tokens here keeps every earlier stage (and its cache) unchanged. Their embedding rows start as
// the mean of all rows (resizeCheckpointVocab); finetune.initFrom and finetune.tokenizer point here.
import type { KilnPlugin } from '@kiln/core';
import { BpeTokenizer, resizeCheckpointVocab } from '@kiln/tokenizers';

export interface AddChatTokensOptions {
  /** The checkpoint to start from, relative to this run's directory. */
  from: string;
  /** Where the model + tokenizer with chat tokens go, relative to this run's directory. */
  out: string;
  tokens: readonly string[];
}

export default function addChatTokens(options: AddChatTokensOptions): KilnPlugin {
  return {
    name: 'chinese:add-chat-tokens',
    cacheKey: options,
    async onStageStart(stage, ctx) {
      if (stage !== 'finetune') return;
      const base = await ctx.hooks.loadTokenizer();
      if (!(base instanceof BpeTokenizer))
        throw new Error('chinese:add-chat-tokens: the run tokenizer must be byte-level BPE');
      const specialTokens: Record<string, number> = { ...base.specialTokens };
      let next = base.vocabSize;
      for (const t of options.tokens) if (specialTokens[t] === undefined) specialTokens[t] = next++;
      const chat = new BpeTokenizer({
        type: base.type,
        model: base.model,
        preTokenizer: base.preTokenizer,
        specialTokens,
        normalizers: [...base.normalizers],
        addPrefixSpace: base.addPrefixSpace,
      });
      const from = ctx.runDir.path(options.from);
      const to = ctx.runDir.path(options.out);
      const { vocabSize, grown } = await resizeCheckpointVocab(from, to, base, chat);
      ctx.logger.info(
        `added ${options.tokens.join(' ')}: ${grown.join(', ')} grown from ${base.vocabSize} to ${vocabSize} rows`,
        { from, to },
      );
    },
  };
}
