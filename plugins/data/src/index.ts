export * from './plugins.js';

export { textSource, type TextSourceOptions } from './sources/text.js';
export { jsonlSource, type JsonlSourceOptions } from './sources/jsonl.js';
export { parquetSource, type ParquetSourceOptions } from './sources/parquet.js';
export { sotuSource, type SotuSourceOptions } from './sources/sotu.js';
export { chinesePoetrySource, type ChinesePoetrySourceOptions, type PoetryCollection } from './sources/chinese-poetry.js';
export { fetchNpmTarball, tarballFiles, tarballName, corpusCacheDir } from './sources/npm-tarball.js';

export { unicodeCleaner, normalizeText, type UnicodeOptions } from './cleaners/unicode.js';
export { whitespaceCleaner, cleanWhitespace, type WhitespaceOptions } from './cleaners/whitespace.js';
export { t2sCleaner, type T2sOptions } from './cleaners/t2s.js';
export { traditionalToSimplified } from './cleaners/opencc.js';
export { exactDedupCleaner, dedupKey, type ExactDedupOptions } from './cleaners/exact-dedup.js';
export { MinHasher, estimateJaccard, exactJaccard, type MinHashOptions } from './cleaners/minhash.js';
export { LshIndex, type LshOptions } from './cleaners/lsh.js';
export { minhashDedupCleaner, type MinhashDedupOptions } from './cleaners/minhash-dedup.js';
export { qualityCleaner, qualityVerdict, type QualityOptions } from './cleaners/quality.js';
export { languageCleaner, type LanguageOptions } from './cleaners/language.js';
export { piiCleaner, maskPii, type PiiOptions } from './cleaners/pii.js';

export { byteTokenizer } from './encode/byte-tokenizer.js';
export { byteLevelProvider } from './encode/byte-level-provider.js';
export { encodeDocuments, workerSpecOf, type EncodeOptions, type EncodeManifest } from './encode/encode.js';
export type { TokenizerWorkerSpec } from './encode/encode-task.js';
export { shardEncoder, type ShardEncoderOptions } from './encode/encoder-provider.js';
export { readHeader, tokenizerTag, SHARD_MAGIC, SHARD_VERSION, HEADER_BYTES, type ShardHeader, type Split } from './encode/shard-format.js';
export { splitOf } from './encode/split.js';
export { openShards, ShardBatches, type OpenShardsOptions } from './loader/open-shards.js';
