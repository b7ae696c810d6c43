import type { KilnContext, Tokenizer } from '@kiln/core';
import type { TrainingChatTemplate } from '../chat-template.js';
import { BUILTIN_CHAT_TEMPLATES } from './builtin.js';
import { jinjaTrainingTemplate } from './jinja-template.js';
import { chatTemplateFromTokenizerDir } from './tokenizer-config.js';

/**
 * The template `name` names: one a plugin provides (the chatTemplate hook, so a
 * plugin may also replace a built-in), else ChatML or Llama-3, else 'tokenizer':
 * the tokenizer directory's own tokenizer_config.json chat_template.
 */
export async function resolveChatTemplate(
  name: string,
  ctx: KilnContext,
  o: { tokenizer: Tokenizer; tokenizerDir: string; field: string; endOfTurn?: string },
): Promise<TrainingChatTemplate> {
  const provided = ctx.hooks.chatTemplate(name) ?? BUILTIN_CHAT_TEMPLATES.find((t) => t.name === name);
  if (provided) return jinjaTrainingTemplate(provided);
  if (name === 'tokenizer')
    return jinjaTrainingTemplate(await chatTemplateFromTokenizerDir(o.tokenizerDir, o.tokenizer, o.endOfTurn));
  const known = [...BUILTIN_CHAT_TEMPLATES.map((t) => t.name), 'tokenizer'];
  throw new Error(
    `${o.field}: unknown chat template '${name}' (known: ${known.join(', ')}; a plugin may add one with the chatTemplate hook)`,
  );
}
