/**
 * Stage directions in speech transcripts: "(Applause.)", "[Laughter]", "—(applause)—".
 * They are the transcriber's notes, not the speaker's words, and a model trained on
 * them learns to emit them mid-sentence.
 */

/** Default words that make a parenthesised or bracketed note a stage direction. */
export const DEFAULT_DIRECTIONS = ['applause', 'laughter', 'cheers', 'booing', 'inaudible', 'crosstalk', 'music'];

/** A regular expression for "(Applause.)" / "[laughter]" / "(Applause and cheers.)" notes of these words. */
export function directionPattern(words: readonly string[] = DEFAULT_DIRECTIONS): RegExp {
  const alternatives = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  // A note: an opening bracket, one of the words (with a few more words allowed), optional period, the closing bracket.
  return new RegExp(`[(\\[]\\s*(?:${alternatives})(?:[\\s,]+(?:and\\s+)?\\w+){0,3}\\s*\\.?\\s*[)\\]]`, 'giu');
}

/** The text without its stage directions, and how many were removed. Dashes and spaces around a note are tidied. */
export function stripDirections(text: string, pattern: RegExp): { text: string; removed: number } {
  let removed = 0;
  const stripped = text.replace(pattern, () => {
    removed++;
    return '\u0000';
  });
  if (removed === 0) return { text, removed };
  const tidied = stripped
    // "words—(applause)—more" → "words—more"; "words. (Applause.) More" → "words. More"
    .replace(/—\u0000—/g, '—')
    .replace(/[ \t]*\u0000[ \t]*/g, ' ')
    .replace(/ +([.,;:!?])/g, '$1')
    .replace(/ {2,}/g, ' ')
    .replace(/^ +| +$/gm, '');
  return { text: tidied, removed };
}

/** How many stage directions a text holds. */
export function countDirections(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
