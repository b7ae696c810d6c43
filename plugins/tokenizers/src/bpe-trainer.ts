/**
 * Byte-level BPE training: count words, learn merges, build the tokenizer.
 * Ids: special tokens first (as Hugging Face's trainer does), then the 256 bytes in
 * GPT-2's order, then one id per merge.
 */

import { BpeModel } from './bpe-model.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { BYTE_ORDER, utf8Into } from './byte-level.js';
import { learnMerges, type WordTable } from './merge-learner.js';
import type { NormalizerName } from './normalizer.js';
import { createPreTokenizer, type PatternName } from './pretokenize.js';
import { WordCounter } from './word-counter.js';

export interface BpeTrainOptions {
  /** Final vocabulary size, special tokens and the 256 bytes included (default 32000). */
  vocabSize?: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minFrequency?: number;
  /** Special tokens, given the first ids (default ['<|endoftext|>']). */
  specialTokens?: string[];
  /** 'cjk' (default), 'gpt2', or a regex (Oniguruma/JS syntax). */
  pattern?: PatternName | string;
  /** Training counts longer pieces in chunks of this many characters (default 64). */
  maxWordChars?: number;
  /** Prune rare words beyond this many distinct words (default 4M). */
  maxDistinctWords?: number;
  normalizers?: NormalizerName[];
  /** Shown as the tokenizer's type (default 'kiln:bpe'). */
  type?: string;
  /** Progress: phase 'count' (chars read so far, total unknown) and 'merge' (merges done of total). */
  onProgress?(phase: 'count' | 'merge', done: number, total: number): void;
  signal?: AbortSignal;
}

export type TextSource = AsyncIterable<string> | Iterable<string>;

/** Trains a byte-level BPE tokenizer on a stream of texts. */
export async function trainBpe(texts: TextSource, options: BpeTrainOptions = {}): Promise<BpeTokenizer> {
  const specials = options.specialTokens ?? ['<|endoftext|>'];
  checkSpecials(specials);
  const pattern = options.pattern ?? 'cjk';
  const pre = createPreTokenizer(pattern);
  const counter = new WordCounter(pre, options);
  let reported = 0;
  for await (const text of texts) {
    counter.add(text);
    if (options.signal?.aborted) throw new Error('BPE training aborted');
    if (counter.chars - reported > 1 << 20) options.onProgress?.('count', (reported = counter.chars), 0);
  }
  const firstId = specials.length + 256;
  const vocabSize = options.vocabSize ?? 32000;
  if (vocabSize < firstId)
    throw new Error(`bpe: vocabSize ${vocabSize} is smaller than the ${specials.length} special tokens + 256 bytes`);
  const counts = counter.words();
  const words = wordTable(counts, specials.length);
  counts.clear(); // the strings are no longer needed: free them before the merge loop
  const merges = learnMerges(words, {
    maxMerges: vocabSize - firstId,
    minFrequency: options.minFrequency ?? 2,
    firstId,
    onProgress: (done) => options.onProgress?.('merge', done, vocabSize - firstId),
    signal: options.signal,
  });
  const specialTokens: Record<string, number> = {};
  specials.forEach((s, i) => (specialTokens[s] = i));
  return new BpeTokenizer({
    type: options.type ?? 'kiln:bpe',
    model: BpeModel.fromMerges(specials.length, merges),
    preTokenizer: pre,
    specialTokens,
    normalizers: options.normalizers,
  });
}

export function checkSpecials(specials: string[]): void {
  const seen = new Set<string>();
  for (const s of specials) {
    if (typeof s !== 'string' || s.length === 0)
      throw new Error(`specialTokens: ${JSON.stringify(s)} is not a non-empty string`);
    if (seen.has(s)) throw new Error(`specialTokens: ${JSON.stringify(s)} is listed twice`);
    seen.add(s);
  }
}

/** Distinct words → flat byte-symbol arrays (byte b has id offset + its GPT-2 index). */
export function wordTable(counts: Map<string, number>, offset: number): WordTable {
  const idOfByte = new Int32Array(256);
  BYTE_ORDER.forEach((b, i) => (idOfByte[b] = offset + i));
  let symbols = new Int32Array(1 << 16);
  const starts = new Int32Array(counts.size + 1);
  const wordCounts = new Int32Array(counts.size);
  let buf = new Uint8Array(256);
  let n = 0;
  let w = 0;
  for (const [word, count] of counts) {
    if (buf.length < word.length * 3) buf = new Uint8Array(word.length * 6);
    const len = utf8Into(word, 0, word.length, buf);
    if (n + len > symbols.length) {
      const grown = new Int32Array(Math.max(n + len, symbols.length * 2));
      grown.set(symbols.subarray(0, n));
      symbols = grown;
    }
    for (let i = 0; i < len; i++) symbols[n++] = idOfByte[buf[i]];
    wordCounts[w] = Math.min(count, 0x7fffffff);
    starts[++w] = n;
  }
  return { symbols: symbols.slice(0, n), starts, counts: wordCounts };
}
