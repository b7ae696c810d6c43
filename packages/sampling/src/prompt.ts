/**
 * What a generator encodes. A string is the caller's own text, encoded as the generator's
 * tokenizer does by default (`kiln generate`, /v1/completions: special-token strings the
 * caller typed are control tokens). Parts say it piece by piece: `special` text is a chat
 * template's own (its markers are control tokens), the rest is plain text (what a message
 * said: `<|im_start|>` typed there stays those characters).
 */
export interface PromptPart {
  readonly text: string;
  readonly special: boolean;
}

export type Prompt = string | readonly PromptPart[];

export interface PromptTokenizer {
  encode(text: string, options?: { allowSpecial?: boolean }): number[];
}

/** The prompt's text, as a person reads it. */
export function promptText(prompt: Prompt): string {
  return typeof prompt === 'string' ? prompt : prompt.map((p) => p.text).join('');
}

export function encodePrompt(tokenizer: PromptTokenizer, prompt: Prompt): number[] {
  if (typeof prompt === 'string') return tokenizer.encode(prompt);
  const ids: number[] = [];
  for (const part of prompt) for (const id of tokenizer.encode(part.text, { allowSpecial: part.special })) ids.push(id);
  return ids;
}
