import { CLEAN_STAGE, type CleanerHook, type KilnContext } from '@kiln/core';

// C0 and C1 controls except tab and newline, DEL, BOM, and invisible separators that
// carry no meaning in running text. ZWJ/ZWNJ (U+200C/D) stay: emoji sequences and
// Indic/Persian scripts need them.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFEFF\u200B\u2060\u00AD]/g;
const LINE_SEPARATORS = /\r\n?|[\u2028\u2029\u0085]/g;
// A run of spaces after a non-space: collapsed to one space. Leading indentation is left alone (code, verse).
const INNER_RUNS = /(\S)[ \t\u00A0\u2000-\u200A\u202F\u205F]+/g;
const TRAILING = /[ \t\u00A0\u2000-\u200A\u202F\u205F]+$/gm;

export interface WhitespaceOptions {
  /** Keep at most this many consecutive blank lines (default 1). */
  maxBlankLines?: number;
}

/** Whitespace and control-character cleanup; drops documents that end up empty. */
export function whitespaceCleaner(options: WhitespaceOptions = {}): CleanerHook {
  const maxBlank = options.maxBlankLines ?? 1;
  const blankRuns = new RegExp(`\\n{${maxBlank + 2},}`, 'g');
  const blanks = '\n'.repeat(maxBlank + 1);
  return {
    rule: 'whitespace',
    stage: CLEAN_STAGE.NORMALIZE + 10,
    parallel: 'document',
    clean(doc, ctx: KilnContext) {
      const text = cleanWhitespace(doc.text, blankRuns, blanks);
      if (!text) return ctx.drop('whitespace', 'empty after whitespace cleanup');
      return text === doc.text ? doc : { ...doc, text };
    },
  };
}

export function cleanWhitespace(text: string, blankRuns = /\n{3,}/g, blanks = '\n\n'): string {
  return text
    .replace(LINE_SEPARATORS, '\n')
    .replace(CONTROLS, '')
    .replace(TRAILING, '')
    .replace(INNER_RUNS, '$1 ')
    .replace(blankRuns, blanks)
    .replace(/^\n+|\s+$/g, '');
}
