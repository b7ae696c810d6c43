/** Chat messages and the hook that turns them into a prompt. */
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
