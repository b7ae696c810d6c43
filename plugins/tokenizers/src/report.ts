/**
 * What `kiln tokenizer inspect` shows: vocabulary size, compression on held-out text
 * per language (bytes and characters per token), the longest tokens, and how many of
 * the Chinese characters of a corpus are a single token.
 */

import type { Tokenizer } from '@kiln/core';

export interface TokenizerReport {
  type: string;
  hash: string;
  vocabSize: number;
  specialTokens: Record<string, number>;
  /** Per named held-out set. */
  compression: Record<
    string,
    { bytes: number; chars: number; tokens: number; bytesPerToken: number; charsPerToken: number }
  >;
  longestTokens: { id: number; text: string; bytes: number }[];
  /** Distinct Han characters seen in the corpus, and how many of them encode to one token. */
  chineseCoverage?: { distinct: number; singleToken: number; share: number };
}

const HAN = /\p{Script=Han}/u;

export function tokenizerReport(
  tok: Tokenizer,
  heldOut: Record<string, string[]>,
  options: { corpus?: Iterable<string>; longest?: number } = {},
): TokenizerReport {
  const compression: TokenizerReport['compression'] = {};
  for (const [name, texts] of Object.entries(heldOut)) {
    let bytes = 0;
    let chars = 0;
    let tokens = 0;
    for (const t of texts) {
      bytes += Buffer.byteLength(t);
      chars += [...t].length;
      tokens += tok.encode(t).length;
    }
    compression[name] = {
      bytes,
      chars,
      tokens,
      bytesPerToken: tokens ? bytes / tokens : 0,
      charsPerToken: tokens ? chars / tokens : 0,
    };
  }
  const specialIds = new Set(Object.values(tok.specialTokens));
  const all: { id: number; text: string; bytes: number }[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    if (specialIds.has(id)) continue;
    const text = tok.decode([id]);
    all.push({ id, text, bytes: Buffer.byteLength(text) });
  }
  all.sort((a, b) => b.bytes - a.bytes || a.id - b.id);
  const report: TokenizerReport = {
    type: tok.type,
    hash: tok.hash(),
    vocabSize: tok.vocabSize,
    specialTokens: { ...tok.specialTokens },
    compression,
    longestTokens: all.slice(0, options.longest ?? 20),
  };
  if (options.corpus) {
    const distinct = new Set<string>();
    for (const t of options.corpus) for (const ch of t) if (HAN.test(ch)) distinct.add(ch);
    let single = 0;
    for (const ch of distinct) if (tok.encode(ch).length === 1) single++;
    report.chineseCoverage = {
      distinct: distinct.size,
      singleToken: single,
      share: distinct.size ? single / distinct.size : 0,
    };
  }
  return report;
}
