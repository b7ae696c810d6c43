import type { Tokenizer } from '@kiln/core';
import { BUILTIN_CHAT_TEMPLATES, CHATML } from './chat/builtin.js';
import { jinjaTrainingTemplate } from './chat/jinja-template.js';

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
 * How conversations become text: Jinja (as Hugging Face's tokenizer_config.json
 * carries it) rendered with @huggingface/jinja. The template travels with the
 * model (tokenizer_config.json's chat_template, chat-template.json) so
 * generation renders prompts exactly as training did.
 */
export interface TrainingChatTemplate {
  name: string;
  /** Special tokens the template writes; each must be ONE token of the tokenizer. */
  specialTokens: readonly string[];
  /** The token that ends an assistant turn: kept in the labels so the model learns to stop. */
  endOfTurn: string;
  /** The conversation as pieces, each assistant turn (with its end-of-turn) marked `train`. */
  pieces(messages: readonly ChatMessage[]): ChatPiece[];
  /** The prompt for generation: the conversation up to where the assistant's reply begins. */
  prompt(messages: readonly ChatMessage[]): string;
  /** The whole conversation as text (no generation prompt). */
  render(messages: readonly ChatMessage[]): string;
  /** The Jinja source (Hugging Face tokenizer_config.json `chat_template`). */
  jinja: string;
  /** What the template prints for bos_token / eos_token. */
  bosToken?: string;
  eosToken?: string;
}

/** ChatML, rendered from its Jinja. */
export const chatml: TrainingChatTemplate = jinjaTrainingTemplate(CHATML);

/** The built-in templates by name (plugins add more through the chatTemplate hook). */
export const CHAT_TEMPLATES: Record<string, TrainingChatTemplate> = Object.fromEntries(
  BUILTIN_CHAT_TEMPLATES.map((t) => [t.name, jinjaTrainingTemplate(t)]),
);

export function chatTemplateByName(name: string, where: string): TrainingChatTemplate {
  const t = CHAT_TEMPLATES[name];
  if (!t)
    throw new Error(
      `${where}: unknown chatTemplate '${name}' (known: ${Object.keys(CHAT_TEMPLATES).join(', ')}, 'tokenizer', or one a plugin adds)`,
    );
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
      problems.push(
        `'${tok}' is not a special token of the tokenizer (it has: ${Object.keys(tokenizer.specialTokens).join(', ') || 'none'})`,
      );
      continue;
    }
    const ids = tokenizer.encode(tok, { allowSpecial: true });
    if (ids.length !== 1 || ids[0] !== id)
      problems.push(`'${tok}' encodes to [${ids.join(', ')}], not to its special id ${id}`);
  }
  if (problems.length) {
    throw new Error(
      `${where}: the chat template '${template.name}' and the tokenizer disagree about special tokens:\n  ${problems.join('\n  ')}\n` +
        `Train the tokenizer with tokenizer.specialTokens including ${template.specialTokens.map((t) => `'${t}'`).join(', ')}.`,
    );
  }
}
