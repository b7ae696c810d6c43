import { readFile } from 'node:fs/promises';
import type { ChatMessage } from '@kiln/finetune';

/** A preference pair: the same prompt, a better and a worse reply. */
export interface PreferencePair {
  prompt: ChatMessage[];
  chosen: string;
  rejected: string;
}

/** A prompt for on-policy training, with task fields for the rewards (e.g. meta.answer). */
export interface PromptRecord {
  prompt: ChatMessage[];
  meta?: Record<string, unknown>;
}

async function readJsonl(path: string): Promise<Array<{ value: Record<string, unknown>; where: string }>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  const out: Array<{ value: Record<string, unknown>; where: string }> = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push({ value: JSON.parse(line), where: `${path}:${i + 1}` });
    } catch (e) {
      throw new Error(`${path}:${i + 1}: invalid JSON (${(e as Error).message})`);
    }
  });
  if (!out.length) throw new Error(`${path}: no records`);
  return out;
}

/** `prompt` is a string (one user turn) or a messages array. */
function promptOf(v: Record<string, unknown>, where: string): ChatMessage[] {
  if (typeof v.prompt === 'string') return [{ role: 'user', content: v.prompt }];
  const msgs = v.prompt ?? v.messages;
  if (Array.isArray(msgs) && msgs.every((m) => typeof m?.role === 'string' && typeof m?.content === 'string'))
    return msgs as ChatMessage[];
  throw new Error(`${where}: 'prompt' must be a string or an array of {role, content}`);
}

export function toPreferencePair(v: Record<string, unknown>, where: string): PreferencePair {
  if (typeof v.chosen !== 'string' || typeof v.rejected !== 'string')
    throw new Error(`${where}: 'chosen' and 'rejected' must be strings`);
  return { prompt: promptOf(v, where), chosen: v.chosen, rejected: v.rejected };
}

export function toPromptRecord(v: Record<string, unknown>, where: string): PromptRecord {
  const meta = typeof v.meta === 'object' && v.meta !== null ? (v.meta as Record<string, unknown>) : undefined;
  return { prompt: promptOf(v, where), meta };
}

/** JSONL of {prompt, chosen, rejected}. */
export async function readPreferences(path: string): Promise<PreferencePair[]> {
  return (await readJsonl(path)).map(({ value, where }) => toPreferencePair(value, where));
}

/** JSONL of {prompt, meta?}. */
export async function readPrompts(path: string): Promise<PromptRecord[]> {
  return (await readJsonl(path)).map(({ value, where }) => toPromptRecord(value, where));
}
