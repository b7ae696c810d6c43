import { CLEAN_STAGE, type CleanerHook } from '@kiln/core';
import { type OpenccLocale, traditionalToSimplified } from './opencc.js';

export interface T2sOptions {
  /** OpenCC source locale (default 't': OpenCC's standard Traditional; 'tw', 'hk' apply regional variants). */
  from?: OpenccLocale;
}

const HAN = /\p{Script=Han}/u;

/**
 * Traditional → Simplified Chinese with OpenCC's dictionaries (phrase-aware, not
 * a character table). Only Han characters change; every other script passes through.
 */
export function t2sCleaner(options: T2sOptions = {}): CleanerHook {
  const convert = traditionalToSimplified(options.from ?? 't', 'cn');
  let changed = 0;
  return {
    rule: 't2s',
    stage: CLEAN_STAGE.CONVERT,
    parallel: 'document',
    clean(doc) {
      if (!HAN.test(doc.text)) return doc;
      const text = convert(doc.text);
      if (text === doc.text) return doc;
      changed++;
      return { ...doc, text };
    },
    finish: () => ({ converted: changed }),
  };
}
