import type { Tokenizer } from '@kiln/core';
import { encodePrompt, plainSpecials } from '@kiln/sampling';
import { IGNORE_INDEX } from '@kiln/tensor';
import type { ChatMessage, TrainingChatTemplate } from './chat-template.js';

/** One tokenized conversation: `labels[t]` is the target for position t (ids[t+1] or IGNORE_INDEX). */
export interface SftExample {
  ids: Int32Array;
  labels: Int32Array;
}

/**
 * Tokenize a conversation and mask the loss to the assistant's tokens: the
 * target of position t is token t+1 when that token belongs to an assistant
 * reply (end-of-turn token included, so the model learns to stop), otherwise
 * IGNORE_INDEX. Prompt tokens are context, never targets.
 * Message contents are plain text, as when serving: a `<|im_start|>` typed in a
 * record is those characters, so training data cannot forge turns, and a reply
 * that mentions `<|im_end|>` is trained to its real end.
 */
export function encodeChat(
  messages: readonly ChatMessage[],
  template: TrainingChatTemplate,
  tokenizer: Tokenizer,
): SftExample {
  const ids: number[] = [];
  const trainMask: boolean[] = [];
  const plain = plainSpecials(messages, Object.keys(tokenizer.specialTokens));
  for (const piece of template.pieces(plain.messages)) {
    for (const id of encodePrompt(tokenizer, plain.split(piece.text))) {
      ids.push(id);
      trainMask.push(piece.train);
    }
  }
  const labels = new Int32Array(ids.length).fill(IGNORE_INDEX);
  for (let t = 0; t + 1 < ids.length; t++) if (trainMask[t + 1]) labels[t] = ids[t + 1];
  return { ids: Int32Array.from(ids), labels };
}

/** The generation prompt for `messages` (align's prompts), contents as plain text like encodeChat. */
export function encodeChatPrompt(
  messages: readonly ChatMessage[],
  template: TrainingChatTemplate,
  tokenizer: Tokenizer,
): number[] {
  const plain = plainSpecials(messages, Object.keys(tokenizer.specialTokens));
  return encodePrompt(tokenizer, plain.split(template.prompt(plain.messages)));
}

/** Plain text (domain adaptation): every next token is a target, ending with eos. */
export function encodeText(text: string, tokenizer: Tokenizer): SftExample {
  const ids = [...tokenizer.encode(text), tokenizer.eosId];
  const labels = new Int32Array(ids.length).fill(IGNORE_INDEX);
  for (let t = 0; t + 1 < ids.length; t++) labels[t] = ids[t + 1];
  return { ids: Int32Array.from(ids), labels };
}
