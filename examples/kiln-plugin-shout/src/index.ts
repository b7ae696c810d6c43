/**
 * kiln-plugin-shout: drops documents that are mostly capital letters.
 *
 * A Kiln plugin is a factory returning a plain object; this one provides a
 * single cleaner. Documents without enough cased letters (Chinese, Japanese,
 * code, numbers) are always kept: the rule only judges text that can shout.
 */
import { CLEAN_STAGE, type CleanerHook, type KilnPlugin } from '@kiln/core';

export interface ShoutOptions {
  /** Drop when at least this share of cased letters is upper case (default 0.8). */
  maxUpperShare?: number;
  /** Judge only documents with at least this many cased letters (default 20). */
  minLetters?: number;
}

const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;

/** Upper-case share among cased letters, and how many cased letters there are. */
export function upperShare(text: string): { share: number; letters: number } {
  let upper = 0;
  let lower = 0;
  for (const ch of text) {
    if (UPPER.test(ch)) upper++;
    else if (LOWER.test(ch)) lower++;
  }
  const letters = upper + lower;
  return { share: letters === 0 ? 0 : upper / letters, letters };
}

function checkOptions(options: ShoutOptions): Required<ShoutOptions> {
  const { maxUpperShare = 0.8, minLetters = 20, ...unknown } = options;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new Error(`unknown option "${extra[0]}" (options: maxUpperShare, minLetters)`);
  if (!(maxUpperShare > 0 && maxUpperShare <= 1))
    throw new Error(`maxUpperShare must be in (0, 1], got ${maxUpperShare}`);
  if (!Number.isInteger(minLetters) || minLetters < 1)
    throw new Error(`minLetters must be a positive integer, got ${minLetters}`);
  return { maxUpperShare, minLetters };
}

export default function shout(options: ShoutOptions = {}): KilnPlugin {
  const { maxUpperShare, minLetters } = checkOptions(options);
  const cleaner: CleanerHook = {
    rule: 'shouting',
    // A quality rule: after normalization, before deduplication.
    stage: CLEAN_STAGE.FILTER,
    clean(doc, ctx) {
      const { share, letters } = upperShare(doc.text);
      if (letters >= minLetters && share >= maxUpperShare) {
        return ctx.drop('shouting', `upper-case share ${share.toFixed(2)} ≥ ${maxUpperShare}`);
      }
      return doc;
    },
  };
  return { name: 'kiln-plugin-shout', version: '0.1.0', cleaner };
}
