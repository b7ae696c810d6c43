import { CLEAN_STAGE, type CleanerHook, type KilnContext } from '@kiln/core';
import { franc } from 'franc';
import { isLetterCodePoint } from '../util/chars.js';

export interface LanguageOptions {
  /** ISO 639-3 codes to keep (franc's codes: 'eng', 'cmn', 'fra'...). Default ['eng', 'cmn']. */
  keep?: string[];
  /**
   * Languages franc may answer with (default: ~40 widely written languages plus `keep`).
   * Without a list franc weighs all 187 and calls plain English 'sco' (Scots) now and then.
   */
  candidates?: string[];
  /** Unicode scripts whose letters count toward `minScriptShare` (default: Latin and Han). */
  scripts?: string[];
  /** Min share of letters in `scripts` (default 0.5; 0 disables the script rule). */
  minScriptShare?: number;
  /** Texts shorter than this skip franc and are judged by script alone (default 40 characters). */
  minLength?: number;
  /** Characters franc reads from the start of a document (default 2000: enough, and fast). */
  sample?: number;
}

const COMMON = [
  'eng',
  'cmn',
  'spa',
  'fra',
  'deu',
  'por',
  'rus',
  'jpn',
  'kor',
  'ita',
  'nld',
  'pol',
  'tur',
  'vie',
  'ind',
  'arb',
  'hin',
  'ben',
  'ukr',
  'swe',
  'dan',
  'nob',
  'fin',
  'ces',
  'slk',
  'hun',
  'ron',
  'ell',
  'heb',
  'tha',
  'pes',
  'urd',
  'tam',
  'tel',
  'mar',
  'zlm',
  'tgl',
  'cat',
  'bul',
  'hrv',
  'srp',
  'lit',
  'lav',
  'est',
  'slv',
  'yue',
];

/**
 * Language identification with franc (trigram profiles, offline) and a
 * script-share rule, keeping documents in the listed languages.
 */
export function languageCleaner(options: LanguageOptions = {}): CleanerHook {
  const keep = new Set(options.keep ?? ['eng', 'cmn']);
  const only = [...new Set([...(options.candidates ?? COMMON), ...keep])];
  const scripts = options.scripts ?? ['Latin', 'Han'];
  let scriptRe: RegExp;
  try {
    scriptRe = new RegExp(scripts.map((s) => `\\p{Script=${s}}`).join('|'), 'u');
  } catch {
    throw new Error(
      `language cleaner: option 'scripts' has an unknown Unicode script name in ${JSON.stringify(scripts)}`,
    );
  }
  const minShare = options.minScriptShare ?? 0.5;
  const minLength = options.minLength ?? 40;
  const sample = options.sample ?? 2000;
  const seen: Record<string, number> = {};
  return {
    rule: 'language',
    stage: CLEAN_STAGE.FILTER + 10,
    parallel: 'document',
    clean(doc, ctx: KilnContext) {
      const head = doc.text.slice(0, sample);
      if (minShare > 0) {
        const share = scriptShare(head, scriptRe, scripts.includes('Latin'), scripts.includes('Han'));
        if (share < minShare)
          return ctx.drop('language.script', `under ${minShare} of letters in ${scripts.join('/')}`);
      }
      if (head.length < minLength) return doc;
      const lang = franc(head, { only, minLength: 1 });
      seen[lang] = (seen[lang] ?? 0) + 1;
      if (lang === 'und' || keep.has(lang)) return doc;
      return ctx.drop('language', `identified as '${lang}', not in [${[...keep].join(', ')}]`);
    },
    finish: () => ({ identified: seen }),
  };
}

function scriptShare(text: string, re: RegExp, latin: boolean, han: boolean): number {
  let letters = 0;
  let inScript = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    if (!isLetterCodePoint(cp)) continue;
    letters++;
    // Fast paths for ASCII letters and the main CJK block; the regex decides the rest.
    if (cp < 0x80 ? latin : cp >= 0x4e00 && cp <= 0x9fff ? han : re.test(String.fromCodePoint(cp))) inScript++;
  }
  return letters === 0 ? 1 : inScript / letters;
}
