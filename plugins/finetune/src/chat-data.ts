import { readFile } from 'node:fs/promises';
import type { ChatMessage } from './chat-template.js';

/** One training conversation (and task fields such as the expected answer, for rewards). */
export interface ChatRecord {
  messages: ChatMessage[];
  meta?: Record<string, unknown>;
}

/**
 * A record from either shape: `{ messages: [{ role, content }, ...] }` or
 * `{ prompt, response }` (optionally `system`). `where` names file:line in errors.
 */
export function toChatRecord(value: unknown, where: string): ChatRecord {
  if (typeof value !== 'object' || value === null)
    throw new Error(`${where}: expected an object, got ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  const meta = typeof v.meta === 'object' && v.meta !== null ? (v.meta as Record<string, unknown>) : undefined;
  if (Array.isArray(v.messages)) {
    const messages = v.messages.map((m, i) => {
      const mm = m as Partial<ChatMessage> | null;
      if (typeof mm?.role !== 'string' || typeof mm.content !== 'string')
        throw new Error(`${where}: messages[${i}] needs string 'role' and 'content'`);
      return { role: mm.role, content: mm.content };
    });
    if (!messages.some((m) => m.role === 'assistant'))
      throw new Error(`${where}: no assistant message, so nothing to learn`);
    return { messages, meta };
  }
  if (typeof v.prompt === 'string' && typeof v.response === 'string') {
    const messages: ChatMessage[] = [];
    if (typeof v.system === 'string') messages.push({ role: 'system', content: v.system });
    messages.push({ role: 'user', content: v.prompt }, { role: 'assistant', content: v.response });
    return { messages, meta };
  }
  throw new Error(
    `${where}: expected 'messages' (array) or 'prompt' and 'response' (strings); keys are ${Object.keys(v).join(', ')}`,
  );
}

/** Read a JSONL file of chat records; blank lines are skipped. */
export async function readChatJsonl(path: string): Promise<ChatRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read chat data (${(e as Error).message})`);
  }
  const out: ChatRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: invalid JSON (${(e as Error).message})`);
    }
    out.push(toChatRecord(parsed, `${path}:${i + 1}`));
  });
  if (out.length === 0) throw new Error(`${path}: no chat records`);
  return out;
}
