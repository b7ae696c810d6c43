import type { Tokenizer } from '@kiln/core';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

/** A piece of rendered conversation; `train` pieces are the assistant's words the loss is taken on. */
export interface ChatPiece {
  text: string;
  train: boolean;
}

/**
 * How conversations become text. The template travels with the model (in
 * tokenizer_config.json's chat_template and in chat-template.json) so
 * generation renders prompts exactly as training did.
 */
export interface TrainingChatTemplate {
  name: string;
  /** Special tokens the template writes; each must be ONE token of the tokenizer. */
  specialTokens: readonly string[];
  /** The token that ends an assistant turn: kept in the labels so the model learns to stop. */
  endOfTurn: string;
  /** The conversation as pieces, assistant contents and their end-of-turn marked `train`. */
  pieces(messages: readonly ChatMessage[]): ChatPiece[];
  /** The prompt for generation: the conversation up to where the assistant's reply begins. */
  prompt(messages: readonly ChatMessage[]): string;
  /** The same template as Jinja (Hugging Face tokenizer_config.json `chat_template`). */
  jinja: string;
}

/** ChatML: `<|im_start|>role\ncontent<|im_end|>\n`, the reply opening with `<|im_start|>assistant\n`. */
export const chatml: TrainingChatTemplate = {
  name: 'chatml',
  specialTokens: ['<|im_start|>', '<|im_end|>'],
  endOfTurn: '<|im_end|>',
  pieces(messages) {
    const out: ChatPiece[] = [];
    for (const m of messages) {
      out.push({ text: `<|im_start|>${m.role}\n`, train: false });
      if (m.role === 'assistant') out.push({ text: `${m.content}<|im_end|>`, train: true }, { text: '\n', train: false });
      else out.push({ text: `${m.content}<|im_end|>\n`, train: false });
    }
    return out;
  },
  prompt(messages) {
    return messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + '<|im_start|>assistant\n';
  },
  jinja:
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
};

export const CHAT_TEMPLATES: Record<string, TrainingChatTemplate> = { chatml };

export function chatTemplateByName(name: string, where: string): TrainingChatTemplate {
  const t = CHAT_TEMPLATES[name];
  if (!t) throw new Error(`${where}: unknown chatTemplate '${name}' (known: ${Object.keys(CHAT_TEMPLATES).join(', ')})`);
  return t;
}

/**
 * Startup check: every special token of the template must be a special token
 * of the tokenizer, encoding to exactly its one id. Otherwise `<|im_end|>`
 * would be split into ordinary pieces and the model could never learn to stop.
 */
export function checkTemplateTokenizer(template: TrainingChatTemplate, tokenizer: Tokenizer, where: string): void {
  const problems: string[] = [];
  for (const tok of template.specialTokens) {
    const id = tokenizer.specialTokens[tok];
    if (id === undefined) {
      problems.push(`'${tok}' is not a special token of the tokenizer (it has: ${Object.keys(tokenizer.specialTokens).join(', ') || 'none'})`);
      continue;
    }
    const ids = tokenizer.encode(tok, { allowSpecial: true });
    if (ids.length !== 1 || ids[0] !== id) problems.push(`'${tok}' encodes to [${ids.join(', ')}], not to its special id ${id}`);
  }
  if (problems.length) {
    throw new Error(
      `${where}: the chat template '${template.name}' and the tokenizer disagree about special tokens:\n  ${problems.join('\n  ')}\n` +
        `Train the tokenizer with tokenizer.specialTokens including ${template.specialTokens.map((t) => `'${t}'`).join(', ')}.`,
    );
  }
}
