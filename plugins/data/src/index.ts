export { dedupKey, type ExactDedupOptions, exactDedupCleaner } from './cleaners/exact-dedup.js';
export { type LanguageOptions, languageCleaner } from './cleaners/language.js';
export { LshIndex, type LshOptions } from './cleaners/lsh.js';
export { estimateJaccard, exactJaccard, MinHasher, type MinHashOptions } from './cleaners/minhash.js';
export { type MinhashDedupOptions, minhashDedupCleaner } from './cleaners/minhash-dedup.js';
export { traditionalToSimplified } from './cleaners/opencc.js';
export { maskPii, type PiiOptions, piiCleaner } from './cleaners/pii.js';
export { type QualityOptions, qualityCleaner, qualityVerdict } from './cleaners/quality.js';
export { type T2sOptions, t2sCleaner } from './cleaners/t2s.js';
export { normalizeText, type UnicodeOptions, unicodeCleaner } from './cleaners/unicode.js';
export { cleanWhitespace, type WhitespaceOptions, whitespaceCleaner } from './cleaners/whitespace.js';
export { byteLevelProvider } from './encode/byte-level-provider.js';
export { byteTokenizer } from './encode/byte-tokenizer.js';
export { type EncodeManifest, type EncodeOptions, encodeDocuments, workerSpecOf } from './encode/encode.js';
export type { TokenizerWorkerSpec } from './encode/encode-task.js';
export { type ShardEncoderOptions, shardEncoder } from './encode/encoder-provider.js';
export { LLMC_MAGIC, LLMC_VERSION, llmcHeader, writeLlmcShards } from './encode/llmc.js';
export {
  HEADER_BYTES,
  readHeader,
  SHARD_MAGIC,
  SHARD_VERSION,
  type ShardHeader,
  type Split,
  tokenizerTag,
} from './encode/shard-format.js';
export { splitOf } from './encode/split.js';
export { type OpenShardsOptions, openShards, ShardBatches } from './loader/open-shards.js';
export * from './plugins.js';
export {
  type ChinesePoetrySourceOptions,
  chinesePoetrySource,
  type PoetryCollection,
} from './sources/chinese-poetry.js';
export { type JsonlSourceOptions, jsonlSource } from './sources/jsonl.js';
export { corpusCacheDir, fetchNpmTarball, tarballFiles, tarballName } from './sources/npm-tarball.js';
export { type ParquetSourceOptions, parquetSource } from './sources/parquet.js';
export { type SotuSourceOptions, sotuSource } from './sources/sotu.js';
export { type TextSourceOptions, textSource } from './sources/text.js';
