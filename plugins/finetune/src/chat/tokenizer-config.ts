import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatTemplateProvider, Tokenizer } from '@kiln/core';

/** A token field of tokenizer_config.json: a string or an AddedToken `{ content }`. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/**
 * The chat template of a tokenizer_config.json (Hugging Face's layout: `chat_template`
 * a string, or a list of `{ name, template }` where 'default' wins). Its special tokens
 * are the tokenizer's special tokens that the Jinja source writes, plus bos/eos; the
 * end of an assistant turn is `endOfTurn` when given, else the config's eos token.
 */
export function chatTemplateFromConfig(
  config: Record<string, unknown>,
  tokenizer: Tokenizer,
  where: string,
  endOfTurn?: string,
): ChatTemplateProvider {
  let source = config.chat_template;
  if (Array.isArray(source)) source = (source.find((t) => t?.name === 'default') ?? source[0])?.template;
  if (typeof source !== 'string')
    throw new Error(`${where}: no chat_template string (it is ${JSON.stringify(source ?? null)})`);
  const bosToken = tokenText(config.bos_token);
  const eosToken = tokenText(config.eos_token);
  const end = endOfTurn ?? eosToken;
  if (!end) throw new Error(`${where}: no eos_token to end an assistant turn; set the stage's chatEndOfTurn`);
  const written = Object.keys(tokenizer.specialTokens).filter((t) => (source as string).includes(t));
  const specialTokens = [
    ...new Set([...written, end, ...(bosToken && (source as string).includes('bos_token') ? [bosToken] : [])]),
  ];
  return { name: 'tokenizer', jinja: source, specialTokens, endOfTurn: end, bosToken, eosToken };
}

/** `<dir>/tokenizer_config.json`'s chat template; the error names the file. */
export async function chatTemplateFromTokenizerDir(
  dir: string,
  tokenizer: Tokenizer,
  endOfTurn?: string,
): Promise<ChatTemplateProvider> {
  const path = join(dir, 'tokenizer_config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`chatTemplate 'tokenizer': cannot read ${path} (${(e as Error).message})`);
  }
  return chatTemplateFromConfig(config, tokenizer, path, endOfTurn);
}
