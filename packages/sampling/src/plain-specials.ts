/**
 * Keeps special-token strings inside chat messages as plain text through a template's
 * rendering. Each one (and any placeholder character a message already holds) is swapped
 * for a placeholder of private-use characters before rendering, so the template sees the
 * message as written but for those strings (Jinja filters such as `trim` still work); the
 * rendered text is then cut at the placeholders: between them is the template's own text,
 * where the markers are control tokens, and each placeholder becomes its string as plain text.
 */
import type { PromptPart } from './prompt.js';

const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

export interface PlainSpecials<M extends { content: string }> {
  /** The messages with their special-token strings swapped for placeholders: render these. */
  messages: M[];
  /** Rendered text of `messages` → parts, each placeholder back as its string, plain. */
  split(rendered: string): PromptPart[];
}

export function plainSpecials<M extends { content: string }>(
  messages: readonly M[],
  specialTokens: readonly string[],
): PlainSpecials<M> {
  const literals: string[] = [];
  const strings = [...new Set([...specialTokens.filter((s) => s.length > 0), OPEN, CLOSE])];
  // Longest first, so a special token that contains another is swapped whole.
  strings.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(strings.map(escapeRegExp).join('|'), 'g');
  const escaped = messages.map((m) => ({
    ...m,
    content: m.content.replace(pattern, (s) => `${OPEN}${literals.push(s) - 1}${CLOSE}`),
  }));
  return {
    messages: escaped,
    split(rendered) {
      const parts: PromptPart[] = [];
      let at = 0;
      for (const match of rendered.matchAll(PLACEHOLDER)) {
        const literal = literals[Number(match[1])];
        if (literal === undefined) throw changed();
        if (match.index > at) parts.push(templateText(rendered.slice(at, match.index)));
        parts.push({ text: literal, special: false });
        at = match.index + match[0].length;
      }
      if (at < rendered.length) parts.push(templateText(rendered.slice(at)));
      return parts;
    },
  };
}

function templateText(text: string): PromptPart {
  // A placeholder character left over means the template cut or rewrote one.
  if (text.includes(OPEN) || text.includes(CLOSE)) throw changed();
  return { text, special: true };
}

const changed = () =>
  new Error(
    "the chat template changed a message's special-token text (sliced or rewrote it), so it cannot be kept as plain text",
  );

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
