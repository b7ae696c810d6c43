import { type BpeTokenizer, trainBpe } from '@kiln/tokenizers';

export const CHAT_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/** Byte-level tokenizer (no merges: one token per byte) with the ChatML special tokens. */
export function byteTokenizer(specials = CHAT_SPECIALS): Promise<BpeTokenizer> {
  return trainBpe(['plain bytes'], { vocabSize: 256 + specials.length, specialTokens: specials });
}
