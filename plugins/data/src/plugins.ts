import { type KilnPlugin, optionsCacheKey as optionsKey } from '@kiln/core';
import { type ExactDedupOptions, exactDedupCleaner } from './cleaners/exact-dedup.js';
import { type LanguageOptions, languageCleaner } from './cleaners/language.js';
import { type MinhashDedupOptions, minhashDedupCleaner } from './cleaners/minhash-dedup.js';
import { type PiiOptions, piiCleaner } from './cleaners/pii.js';
import { type QualityOptions, qualityCleaner } from './cleaners/quality.js';
import { type T2sOptions, t2sCleaner } from './cleaners/t2s.js';
import { type UnicodeOptions, unicodeCleaner } from './cleaners/unicode.js';
import { type WhitespaceOptions, whitespaceCleaner } from './cleaners/whitespace.js';
import { byteLevelProvider } from './encode/byte-level-provider.js';
import { type ShardEncoderOptions, shardEncoder } from './encode/encoder-provider.js';
import { type ChinesePoetrySourceOptions, chinesePoetrySource } from './sources/chinese-poetry.js';
import { type JsonlSourceOptions, jsonlSource } from './sources/jsonl.js';
import { type ParquetSourceOptions, parquetSource } from './sources/parquet.js';
import { type SotuSourceOptions, sotuSource } from './sources/sotu.js';
import { type TextSourceOptions, textSource } from './sources/text.js';

// Thin plugin factories: each wraps one source, cleaner or provider (the modules hold the logic),
// with its options as its cacheKey: the data stage reruns when they change, and only then.
const VERSION = '0.1.0';

export const textFiles = (o: TextSourceOptions): KilnPlugin => ({
  name: 'kiln:text-files',
  version: VERSION,
  cacheKey: optionsKey(o),
  source: textSource(o),
});
export const jsonl = (o: JsonlSourceOptions): KilnPlugin => ({
  name: 'kiln:jsonl',
  version: VERSION,
  cacheKey: optionsKey(o),
  source: jsonlSource(o),
});
export const parquet = (o: ParquetSourceOptions): KilnPlugin => ({
  name: 'kiln:parquet',
  version: VERSION,
  cacheKey: optionsKey(o),
  source: parquetSource(o),
});
export const sotu = (o?: SotuSourceOptions): KilnPlugin => ({
  name: 'kiln:sotu',
  version: VERSION,
  cacheKey: optionsKey(o),
  source: sotuSource(o),
});
export const chinesePoetry = (o?: ChinesePoetrySourceOptions): KilnPlugin => ({
  name: 'kiln:chinese-poetry',
  version: VERSION,
  cacheKey: optionsKey(o),
  source: chinesePoetrySource(o),
});

export const unicode = (o?: UnicodeOptions): KilnPlugin => ({
  name: 'kiln:unicode',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: unicodeCleaner(o),
});
export const whitespace = (o?: WhitespaceOptions): KilnPlugin => ({
  name: 'kiln:whitespace',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: whitespaceCleaner(o),
});
export const t2s = (o?: T2sOptions): KilnPlugin => ({
  name: 'kiln:t2s',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: t2sCleaner(o),
});
export const exactDedup = (o?: ExactDedupOptions): KilnPlugin => ({
  name: 'kiln:exact-dedup',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: exactDedupCleaner(o),
});
export const minhashDedup = (o?: MinhashDedupOptions): KilnPlugin => ({
  name: 'kiln:minhash-dedup',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: minhashDedupCleaner(o),
});
export const quality = (o?: QualityOptions): KilnPlugin => ({
  name: 'kiln:quality',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: qualityCleaner(o),
});
export const language = (o?: LanguageOptions): KilnPlugin => ({
  name: 'kiln:language',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: languageCleaner(o),
});
export const pii = (o?: PiiOptions): KilnPlugin => ({
  name: 'kiln:pii',
  version: VERSION,
  cacheKey: optionsKey(o),
  cleaner: piiCleaner(o),
});

export const shards = (o?: ShardEncoderOptions): KilnPlugin => ({
  name: 'kiln:shards',
  version: VERSION,
  cacheKey: optionsKey(o),
  encoder: shardEncoder(o),
});
/** The byte-level fallback tokenizer as `tokenizer.type: 'bytes'`. */
export const byteLevel = (): KilnPlugin => ({
  name: 'kiln:bytes',
  version: VERSION,
  cacheKey: {},
  tokenizer: byteLevelProvider(),
});

export interface CleaningOptions {
  unicode?: UnicodeOptions | false;
  whitespace?: WhitespaceOptions | false;
  t2s?: T2sOptions | false;
  quality?: QualityOptions | false;
  language?: LanguageOptions | false;
  exactDedup?: ExactDedupOptions | false;
  minhashDedup?: MinhashDedupOptions | false;
  pii?: PiiOptions | false;
}

/** The full cleaning chain (each step can be tuned or turned off with false). */
export function cleaning(o: CleaningOptions = {}): KilnPlugin[] {
  const on = <T>(v: T | false | undefined, make: (v?: T) => KilnPlugin) => (v === false ? [] : [make(v)]);
  return [
    ...on(o.unicode, unicode),
    ...on(o.whitespace, whitespace),
    ...on(o.t2s, t2s),
    ...on(o.quality, quality),
    ...on(o.language, language),
    ...on(o.exactDedup, exactDedup),
    ...on(o.minhashDedup, minhashDedup),
    ...on(o.pii, pii),
  ];
}
