/**
 * A byte-level BPE tokenizer: normalizers → pre-tokenizer → BPE per word (cached) →
 * ids; special tokens are recognised only when the caller allows them.
 */

import { createHash } from 'node:crypto';
import type { Tokenizer } from '@kiln/core';
import type { BpeModel } from './bpe-model.js';
import { utf8Into } from './byte-level.js';
import { bpeToHfJson } from './hf-export.js';
import { applyNormalizers, type NormalizerName } from './normalizer.js';
import type { PreTokenizer } from './pretokenize.js';
import { WordCache } from './word-cache.js';
import { type WorkerSpec, workerSpecFor } from './worker-spec.js';

export interface BpeTokenizerParts {
  /** Plugin name that made it, e.g. 'kiln:bpe'. */
  type: string;
  model: BpeModel;
  /** null: the whole text is one word (Hugging Face ByteLevel with use_regex false and no Split). */
  preTokenizer: PreTokenizer | null;
  /** Special (added) tokens and their ids. */
  specialTokens: Record<string, number>;
  /** Name of the end-of-text token; defaults to the first special token. */
  eos?: string;
  normalizers?: NormalizerName[];
  /** Hugging Face ByteLevel add_prefix_space: a space is put before text that does not start with one. */
  addPrefixSpace?: boolean;
}

export interface Encoding {
  ids: number[];
  /** [start, end) of each token in the (normalized) text, in UTF-16 units. */
  offsets: [number, number][];
}

/** Longer words are not cached: they rarely repeat. */
const CACHE_MAX_CHARS = 48;

export class BpeTokenizer implements Tokenizer {
  readonly type: string;
  readonly model: BpeModel;
  readonly preTokenizer: PreTokenizer | null;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly eosId: number;
  readonly normalizers: readonly NormalizerName[];
  readonly addPrefixSpace: boolean;
  private readonly specialById = new Map<number, string>();
  private readonly specialRe: RegExp | undefined;
  private readonly cache = new WordCache();
  /** Id of each one-unit piece that is a single token; -1 unknown yet, -2 when it is several tokens. */
  private readonly single = new Int32Array(65536).fill(-1);
  private bytes = new Uint8Array(1024);
  /** Output ids of the current call. */
  private out = new Int32Array(4096);
  private outLen = 0;
  private hashValue: string | undefined;

  constructor(parts: BpeTokenizerParts) {
    this.type = parts.type;
    this.model = parts.model;
    this.preTokenizer = parts.preTokenizer;
    this.specialTokens = Object.freeze({ ...parts.specialTokens });
    this.normalizers = parts.normalizers ?? [];
    this.addPrefixSpace = parts.addPrefixSpace ?? false;
    for (const [content, id] of Object.entries(parts.specialTokens)) this.specialById.set(id, content);
    const names = Object.keys(parts.specialTokens);
    const eos = parts.eos ?? names.find((n) => /end.?of.?text|eos|<\/s>/i.test(n)) ?? names[0];
    this.eosId = eos === undefined ? -1 : (parts.specialTokens[eos] ?? -1);
    if (names.length > 0) {
      const escaped = names.sort((x, y) => y.length - x.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.specialRe = new RegExp(escaped.join('|'), 'gu');
    }
  }

  get vocabSize(): number {
    let size = this.model.size;
    for (const id of this.specialById.keys()) size = Math.max(size, id + 1);
    return size;
  }

  /** Text → ids. With allowSpecial, special tokens written in the text become their ids. */
  encode(text: string, options?: { allowSpecial?: boolean }): number[] {
    this.outLen = 0;
    this.run(this.prepare(text), options?.allowSpecial ?? false, undefined);
    return this.outAsArray();
  }

  /** Like encode, into a new Int32Array (no intermediate number[]: for shards and workers). */
  encodeToInt32(text: string, options?: { allowSpecial?: boolean }): Int32Array {
    this.outLen = 0;
    this.run(this.prepare(text), options?.allowSpecial ?? false, undefined);
    return this.out.slice(0, this.outLen);
  }

  /** Text → ids and the [start, end) of each token in the normalized text. */
  encodeWithOffsets(text: string, options?: { allowSpecial?: boolean }): Encoding {
    const offsets: [number, number][] = [];
    this.outLen = 0;
    this.run(this.prepare(text), options?.allowSpecial ?? false, offsets);
    const ids = this.outAsArray();
    if (this.addPrefixSpace) for (const o of offsets) (o[0] = Math.max(0, o[0] - 1)), (o[1] = Math.max(0, o[1] - 1));
    return { ids, offsets };
  }

  /** Ids → text. Byte sequences that are not valid UTF-8 decode to U+FFFD, as Hugging Face does. */
  decode(ids: ArrayLike<number>, options?: { skipSpecial?: boolean }): string {
    const bytes = this.decodeBytes(ids, options?.skipSpecial ?? false);
    let text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    if (this.addPrefixSpace && text.startsWith(' ')) text = text.slice(1);
    return text;
  }

  /** Ids → raw bytes (for streaming decoders that must not split a character). */
  decodeBytes(ids: ArrayLike<number>, skipSpecial = false): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    const enc = new TextEncoder();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      let t = this.model.tokenBytes[id];
      if (!t) {
        const special = this.specialById.get(id);
        if (special === undefined)
          throw new Error(`decode: id ${id} is not in the vocabulary (size ${this.vocabSize})`);
        if (skipSpecial) continue;
        t = enc.encode(special);
      }
      parts.push(t);
      total += t.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Token text of an id (byte-level characters for BPE tokens, content for special ones). */
  idToToken(id: number): string | undefined {
    return this.specialById.get(id) ?? this.model.charsOf(id);
  }

  tokenToId(token: string): number | undefined {
    return this.specialTokens[token] ?? this.model.idOf(token);
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
    return bpeToHfJson(this);
  }

  private prepare(text: string): string {
    if (this.normalizers.length) text = applyNormalizers(text, this.normalizers);
    if (this.addPrefixSpace && !text.startsWith(' ')) text = ' ' + text;
    return text;
  }

  private run(text: string, allowSpecial: boolean, offsets: [number, number][] | undefined): void {
    const re = this.specialRe;
    if (!allowSpecial || !re) return this.encodeOrdinary(text, 0, text.length, offsets);
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      this.encodeOrdinary(text, last, m.index, offsets);
      this.reserve(1);
      this.out[this.outLen++] = this.specialTokens[m[0]];
      offsets?.push([m.index, m.index + m[0].length]);
      last = m.index + m[0].length;
    }
    this.encodeOrdinary(text, last, text.length, offsets);
  }

  /** A push loop: Array.from (iterator protocol) and new Array(n) (sparse when large) are several times slower. */
  private outAsArray(): number[] {
    const n = this.outLen;
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(this.out[i]);
    return ids;
  }

  private reserve(extra: number): void {
    if (this.outLen + extra <= this.out.length) return;
    const grown = new Int32Array(Math.max(this.outLen + extra, this.out.length * 2));
    grown.set(this.out.subarray(0, this.outLen));
    this.out = grown;
  }

  private encodeOrdinary(text: string, from: number, to: number, offsets: [number, number][] | undefined): void {
    if (from >= to) return;
    const segment = from === 0 && to === text.length ? text : text.slice(from, to);
    // Each UTF-16 unit yields at most 3 tokens (3 UTF-8 bytes).
    this.reserve(3 * segment.length);
    if (!this.preTokenizer) {
      this.encodeWord(segment, 0, segment.length);
      if (offsets) this.wordOffsets(segment, 0, segment.length, offsets, from);
      return;
    }
    const pieces = this.preTokenizer.split(segment);
    const ends = pieces.ends;
    let start = 0;
    for (let k = 0; k < pieces.count; k++) {
      const end = ends[k];
      this.encodeWord(segment, start, end);
      if (offsets) this.wordOffsets(segment, start, end, offsets, from);
      start = end;
    }
  }

  /** Appends the ids of text[start, end) to this.out (room already reserved). */
  private encodeWord(text: string, start: number, end: number): void {
    const len = end - start;
    if (len === 1) {
      const c = text.charCodeAt(start);
      const id = this.single[c];
      if (id >= 0) {
        this.out[this.outLen++] = id;
        return;
      }
      if (id === -1) {
        const from = this.outLen;
        this.bpe(text, start, end);
        this.single[c] = this.outLen - from === 1 ? this.out[from] : -2;
        return;
      }
    }
    if (len > CACHE_MAX_CHARS) return this.bpe(text, start, end);
    const h = WordCache.hash(text, start, end);
    const e = this.cache.find(text, start, end, h);
    if (e >= 0) {
      this.outLen = this.cache.copyIds(e, this.out, this.outLen);
      return;
    }
    const from = this.outLen;
    this.bpe(text, start, end);
    this.cache.add(text, start, end, h, this.out, from, this.outLen);
  }

  /** Runs BPE on text[start, end), appending to this.out. */
  private bpe(text: string, start: number, end: number): void {
    const need = (end - start) * 3;
    if (this.bytes.length < need) this.bytes = new Uint8Array(need * 2);
    const n = utf8Into(text, start, end, this.bytes);
    this.outLen = this.model.encodeBytesInto(this.bytes, n, this.out, this.outLen);
  }

  /** Maps each token's bytes back to the characters they came from (a token inside a character spans it). */
  private wordOffsets(text: string, start: number, end: number, offsets: [number, number][], base: number): void {
    // The ids of this word are the ones emitted since the last offset was recorded.
    const ids = this.out.subarray(offsets.length, this.outLen);
    // Byte offset → character offset within the word.
    const charAt: number[] = [];
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < end && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      const width = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
      for (let k = 0; k < width; k++) charAt.push(i);
      if (pair) i++;
    }
    charAt.push(end);
    let b = 0;
    for (const id of ids) {
      const len = this.model.tokenBytes[id]!.length;
      const s = charAt[b];
      b += len;
      // The end is the first character not fully covered... or the one this token finishes.
      let e = charAt[b];
      if (e <= s) e = s + (text.charCodeAt(s) >= 0xd800 && text.charCodeAt(s) <= 0xdbff ? 2 : 1);
      offsets.push([base + s, base + e]);
    }
  }
}
