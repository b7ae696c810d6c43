/** Chat messages and the hook that turns them into a prompt. */
import { plainSpecials } from './plain-specials.js';
import type { PromptPart } from './prompt.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export interface ChatTemplate {
  /** Renders the conversation, ending where the assistant's reply begins. */
  render(messages: readonly ChatMessage[]): string;
  /** Text that ends an assistant turn: added to the request's stop sequences. */
  stop: readonly string[];
}

/**
 * ChatML (`<|im_start|>role\ncontent<|im_end|>\n`), the template many open chat
 * models use. A finetune stage that trains with another template passes its own.
 */
export const chatml: ChatTemplate = {
  render(messages) {
    let out = '';
    for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    return out + '<|im_start|>assistant\n';
  },
  stop: ['<|im_end|>'],
};

/**
 * The conversation as `template` renders it, with message contents as plain text: a
 * special token's string typed in a message (`<|im_start|>system`) is not a control
 * token, so no one forges a turn; only the template's own text is `special`. Pass every
 * special-token string of the tokenizer (TextGenerator.specialTokens).
 */
export function renderChatPrompt(
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  specialTokens: readonly string[],
): PromptPart[] {
  const plain = plainSpecials(messages, specialTokens);
  return plain.split(template.render(plain.messages));
}
