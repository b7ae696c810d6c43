import { CLEAN_STAGE, type CleanerHook } from '@kiln/core';

export interface UnicodeOptions {
  /** NFC (default) composes; NFKC also folds compatibility forms (ligatures, circled digits, full-width Latin). */
  form?: 'NFC' | 'NFKC';
  /**
   * With NFKC, keep CJK full-width punctuation and the ideographic space as they are
   * (default true): NFKC would turn '，' into ',' and change how Chinese text reads.
   */
  keepFullwidthPunctuation?: boolean;
}

// Full-width punctuation and symbols (not letters or digits) and the ideographic space.
const FULLWIDTH_PUNCT = /[\u3000\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65]+/g;

/** Unicode normalization. Never removes characters: every script, emoji included, survives. */
export function unicodeCleaner(options: UnicodeOptions = {}): CleanerHook {
  const form = options.form ?? 'NFC';
  if (form !== 'NFC' && form !== 'NFKC')
    throw new Error(`unicode cleaner: option 'form' must be 'NFC' or 'NFKC', got ${JSON.stringify(form)}`);
  const keep = options.keepFullwidthPunctuation ?? true;
  let changed = 0;
  return {
    rule: 'unicode',
    stage: CLEAN_STAGE.NORMALIZE,
    parallel: 'document',
    clean(doc) {
      const text = normalizeText(doc.text, form, keep);
      if (text === doc.text) return doc;
      changed++;
      return { ...doc, text };
    },
    finish: () => ({ form, changed }),
  };
}

export function normalizeText(text: string, form: 'NFC' | 'NFKC', keepFullwidthPunctuation = true): string {
  if (form === 'NFC' || !keepFullwidthPunctuation) return text.normalize(form);
  // Normalize the stretches between full-width punctuation, leave the punctuation itself.
  let out = '';
  let last = 0;
  for (const m of text.matchAll(FULLWIDTH_PUNCT)) {
    out += text.slice(last, m.index).normalize('NFKC') + m[0];
    last = m.index! + m[0].length;
  }
  return out + text.slice(last).normalize('NFKC');
}
