/**
 * BERT-style WordPiece: training (BPE over characters with `##` continuation, as
 * Hugging Face's WordPieceTrainer does), greedy longest-match-first encoding, and
 * tokenizer.json in/out. CJK ideographs are split one per word by the normalizer.
 */

import { createHash } from 'node:crypto';
import type { Tokenizer } from '@kiln/core';
import { type BertNormalizerOptions, bertNormalize, bertPreTokenize } from './bert-text.js';
import { checkSpecials, type TextSource } from './bpe-trainer.js';
import { addedTokensJson } from './hf-export.js';
import { learnMerges } from './merge-learner.js';
import { type WorkerSpec, workerSpecFor } from './worker-spec.js';

export interface WordPieceParts {
  vocab: string[];
  specialTokens: Record<string, number>;
  unkToken?: string;
  prefix?: string;
  maxInputCharsPerWord?: number;
  normalizer?: BertNormalizerOptions;
}

const CACHE_LIMIT = 1 << 17;

export class WordPieceTokenizer implements Tokenizer {
  readonly type = 'kiln:wordpiece';
  readonly vocab: readonly string[];
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly eosId: number;
  readonly unkId: number;
  readonly prefix: string;
  readonly maxInputCharsPerWord: number;
  readonly normalizer: BertNormalizerOptions;
  private readonly ids = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private hashValue: string | undefined;

  constructor(parts: WordPieceParts) {
    this.vocab = parts.vocab;
    parts.vocab.forEach((t, i) => this.ids.set(t, i));
    this.specialTokens = Object.freeze({ ...parts.specialTokens });
    this.prefix = parts.prefix ?? '##';
    this.maxInputCharsPerWord = parts.maxInputCharsPerWord ?? 100;
    this.normalizer = parts.normalizer ?? {};
    const unk = parts.unkToken ?? '[UNK]';
    const unkId = this.ids.get(unk);
    if (unkId === undefined)
      throw new Error(`wordpiece: unknown token ${JSON.stringify(unk)} is not in the vocabulary`);
    this.unkId = unkId;
    this.eosId = this.specialTokens['[SEP]'] ?? Object.values(this.specialTokens)[0] ?? -1;
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Word pieces of the text, without [CLS]/[SEP] (the encode stage adds those). */
  encode(text: string, options?: { allowSpecial?: boolean }): number[] {
    return this.encodeWithOffsets(text, options).ids;
  }

  /** Offsets are [start, end) in the normalized text. */
  encodeWithOffsets(
    text: string,
    options?: { allowSpecial?: boolean },
  ): { ids: number[]; offsets: [number, number][] } {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    const specials = options?.allowSpecial ? Object.keys(this.specialTokens) : [];
    const segments = specials.length ? splitSpecials(text, specials) : [text];
    for (const seg of segments) {
      if (seg in this.specialTokens && specials.length) {
        ids.push(this.specialTokens[seg]);
        offsets.push([0, 0]);
        continue;
      }
      const norm = bertNormalize(seg, this.normalizer);
      for (const { word, start, end } of bertPreTokenize(norm)) this.encodeWord(word, start, end, ids, offsets);
    }
    return { ids, offsets };
  }

  private encodeWord(word: string, start: number, end: number, ids: number[], offsets: [number, number][]): void {
    let pieces = this.cache.get(word);
    if (!pieces) {
      pieces = this.greedy(word);
      if (this.cache.size < CACHE_LIMIT) this.cache.set(word, pieces);
    }
    let at = start;
    for (const id of pieces) {
      ids.push(id);
      if (id === this.unkId) {
        offsets.push([start, end]);
        continue;
      }
      const t = this.vocab[id];
      const len = t.startsWith(this.prefix) && at > start ? t.length - this.prefix.length : t.length;
      offsets.push([at, at + len]);
      at += len;
    }
  }

  /** Greedy longest-match-first; the whole word is [UNK] when any part cannot be matched. */
  private greedy(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.maxInputCharsPerWord) return [this.unkId];
    const out: number[] = [];
    let s = 0;
    while (s < chars.length) {
      let e = chars.length;
      let found = -1;
      while (e > s) {
        const piece = (s > 0 ? this.prefix : '') + chars.slice(s, e).join('');
        const id = this.ids.get(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        e--;
      }
      if (found < 0) return [this.unkId];
      out.push(found);
      s = e;
    }
    return out;
  }

  decode(ids: ArrayLike<number>, options?: { skipSpecial?: boolean }): string {
    const specialIds = new Set(Object.values(this.specialTokens));
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const t = this.vocab[id];
      if (t === undefined) throw new Error(`decode: id ${id} is not in the vocabulary (size ${this.vocabSize})`);
      if (options?.skipSpecial && specialIds.has(id)) continue;
      if (t.startsWith(this.prefix)) out += t.slice(this.prefix.length);
      else out += (out ? ' ' : '') + t;
    }
    return cleanup(out);
  }

  hash(): string {
    this.hashValue ??= createHash('sha256').update(JSON.stringify(this.toJSON())).digest('hex').slice(0, 16);
    return this.hashValue;
  }

  /** Lets worker threads of other packages rebuild this tokenizer (see worker-spec.ts). */
  get workerSpec(): WorkerSpec {
    return workerSpecFor(this.toJSON());
  }

  toJSON(): unknown {
    const n = this.normalizer;
    const vocab: Record<string, number> = {};
    this.vocab.forEach((t, i) => (vocab[t] = i));
    const cls = this.specialTokens['[CLS]'];
    const sep = this.specialTokens['[SEP]'];
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokensJson(this.specialTokens),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: n.cleanText ?? true,
        handle_chinese_chars: n.handleChineseChars ?? true,
        strip_accents: n.stripAccents ?? null,
        lowercase: n.lowercase ?? true,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor:
        cls !== undefined && sep !== undefined
          ? { type: 'BertProcessing', sep: ['[SEP]', sep], cls: ['[CLS]', cls] }
          : null,
      decoder: { type: 'WordPiece', prefix: this.prefix, cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: this.vocab[this.unkId],
        continuing_subword_prefix: this.prefix,
        max_input_chars_per_word: this.maxInputCharsPerWord,
        vocab,
      },
    };
  }
}

function splitSpecials(text: string, specials: string[]): string[] {
  const re = new RegExp(
    specials
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return text.split(new RegExp(`(${re.source})`)).filter((s) => s.length > 0);
}

/** Hugging Face's WordPiece decoder cleanup. */
function cleanup(s: string): string {
  return s
    .replace(/ \./g, '.')
    .replace(/ \?/g, '?')
    .replace(/ !/g, '!')
    .replace(/ ,/g, ',')
    .replace(/ ' /g, "'")
    .replace(/ n't/g, "n't")
    .replace(/ 'm/g, "'m")
    .replace(/ do not/g, " don't")
    .replace(/ 's/g, "'s")
    .replace(/ 've/g, "'ve")
    .replace(/ 're/g, "'re");
}

export interface WordPieceTrainOptions {
  /** Final vocabulary size, special tokens included (default 30522, BERT's). */
  vocabSize?: number;
  minFrequency?: number;
  /** Default BERT's: [PAD] [UNK] [CLS] [SEP] [MASK]. */
  specialTokens?: string[];
  /** Keep at most this many distinct characters (the most frequent; default 1000). */
  limitAlphabet?: number;
  normalizer?: BertNormalizerOptions;
  onProgress?(phase: 'count' | 'merge', done: number, total: number): void;
  signal?: AbortSignal;
}

export async function trainWordPiece(
  texts: TextSource,
  options: WordPieceTrainOptions = {},
): Promise<WordPieceTokenizer> {
  const specials = options.specialTokens ?? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  checkSpecials(specials);
  if (!specials.includes('[UNK]')) throw new Error('wordpiece: specialTokens must include "[UNK]"');
  const counts = new Map<string, number>();
  let chars = 0;
  for await (const text of texts) {
    const norm = bertNormalize(text, options.normalizer ?? {});
    chars += text.length;
    for (const { word } of bertPreTokenize(norm)) counts.set(word, (counts.get(word) ?? 0) + 1);
    options.onProgress?.('count', chars, 0);
  }
  // The alphabet: the most frequent characters.
  const charFreq = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) charFreq.set(ch, (charFreq.get(ch) ?? 0) + c);
  const limit = options.limitAlphabet ?? 1000;
  const alphabet = new Set(
    [...charFreq]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([ch]) => ch),
  );

  const vocab = [...specials];
  const idOf = new Map<string, number>(vocab.map((t, i) => [t, i]));
  const symbol = (t: string): number => {
    let id = idOf.get(t);
    if (id === undefined) idOf.set(t, (id = vocab.push(t) - 1));
    return id;
  };
  // Initial symbols in a stable order: each alphabet character, then its ## form.
  for (const ch of [...alphabet].sort()) symbol(ch);
  const syms: number[] = [];
  const starts = [0];
  const wordCounts: number[] = [];
  for (const [w, c] of counts) {
    const cs = [...w];
    if (!cs.every((ch) => alphabet.has(ch))) continue; // would encode as [UNK]
    cs.forEach((ch, i) => syms.push(symbol(i === 0 ? ch : '##' + ch)));
    starts.push(syms.length);
    wordCounts.push(c);
  }
  const vocabSize = options.vocabSize ?? 30522;
  const firstId = vocab.length;
  const merges = learnMerges(
    { symbols: Int32Array.from(syms), starts: Int32Array.from(starts), counts: Int32Array.from(wordCounts) },
    {
      maxMerges: Math.max(0, vocabSize - firstId),
      minFrequency: options.minFrequency ?? 2,
      firstId,
      onProgress: (d) => options.onProgress?.('merge', d, vocabSize - firstId),
      signal: options.signal,
    },
  );
  // Merge k made id firstId + k; two merge paths can spell the same piece, which keeps its first id.
  const pieceOf = [...vocab];
  const finalVocab = [...vocab];
  const seen = new Set(finalVocab);
  for (let k = 0; k < merges.length / 2; k++) {
    const right = pieceOf[merges[2 * k + 1]];
    const piece = pieceOf[merges[2 * k]] + (right.startsWith('##') ? right.slice(2) : right);
    pieceOf.push(piece);
    if (!seen.has(piece)) {
      seen.add(piece);
      finalVocab.push(piece);
    }
  }
  const specialTokens: Record<string, number> = {};
  specials.forEach((s, i) => (specialTokens[s] = i));
  return new WordPieceTokenizer({ vocab: finalVocab, specialTokens, normalizer: options.normalizer });
}

type Json = Record<string, unknown>;

export function wordPieceFromHfJson(root: Json, where: string): WordPieceTokenizer {
  const model = root.model as Json;
  const vocabObj = model.vocab as Record<string, number>;
  if (!vocabObj || typeof vocabObj !== 'object') throw new Error(`${where}: model.vocab is missing`);
  const vocab: string[] = [];
  for (const [t, id] of Object.entries(vocabObj)) vocab[id] = t;
  for (let i = 0; i < vocab.length; i++)
    if (vocab[i] === undefined) throw new Error(`${where}: model.vocab has no token with id ${i}`);
  const norm = root.normalizer as Json | null;
  if (norm && norm.type !== 'BertNormalizer')
    throw new Error(
      `${where}: normalizer ${JSON.stringify(norm.type)} is not supported for WordPiece (BertNormalizer)`,
    );
  const pre = (root.pre_tokenizer as Json | null)?.type;
  if (pre && pre !== 'BertPreTokenizer')
    throw new Error(`${where}: pre_tokenizer ${JSON.stringify(pre)} is not supported for WordPiece (BertPreTokenizer)`);
  const specialTokens: Record<string, number> = {};
  for (const t of (root.added_tokens as Json[] | undefined) ?? []) specialTokens[t.content as string] = t.id as number;
  return new WordPieceTokenizer({
    vocab,
    specialTokens,
    unkToken: (model.unk_token as string) ?? '[UNK]',
    prefix: (model.continuing_subword_prefix as string) ?? '##',
    maxInputCharsPerWord: (model.max_input_chars_per_word as number) ?? 100,
    normalizer: norm
      ? {
          cleanText: norm.clean_text as boolean,
          handleChineseChars: norm.handle_chinese_chars as boolean,
          stripAccents: norm.strip_accents as boolean | null,
          lowercase: norm.lowercase as boolean,
        }
      : { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false },
  });
}
