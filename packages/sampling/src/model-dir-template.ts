/**
 * The chat template a model directory carries: tokenizer_config.json's
 * `chat_template` (what the finetune and align stages write beside the weights,
 * and Hugging Face models ship), with chat-template.json's `endOfTurn` (Kiln's
 * record of the token that ended each trained reply) as a stop sequence.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatTemplate } from './chat.js';
import { chatTemplateFromTokenizerConfig } from './jinja-template.js';

async function readJsonIfThere(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** The directory's chat template, or undefined when it has no tokenizer_config.json chat_template. */
export async function chatTemplateFromModelDir(dir: string): Promise<ChatTemplate | undefined> {
  const config = await readJsonIfThere(join(dir, 'tokenizer_config.json'));
  if (!config) return undefined;
  const template = chatTemplateFromTokenizerConfig(config);
  if (!template) return undefined;
  const kiln = await readJsonIfThere(join(dir, 'chat-template.json'));
  const endOfTurn = typeof kiln?.endOfTurn === 'string' ? kiln.endOfTurn : undefined;
  if (!endOfTurn || template.stop.includes(endOfTurn)) return template;
  return { render: (messages) => template.render(messages), stop: [...template.stop, endOfTurn] };
}
