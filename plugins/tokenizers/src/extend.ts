/**
 * Vocabulary extension: learn new merges on a new corpus (e.g. Chinese) on top of an
 * existing byte-level BPE tokenizer, appending new ids after the existing ones. Every
 * existing id, token and merge is kept unchanged; new merges rank after the old ones.
 *
 * The new corpus is first encoded with the existing tokenizer, so training continues
 * from the existing tokens (new tokens are merges of old ones), which is also what lets
 * a model initialise each new embedding row from the rows of its old pieces.
 */

import { BpeModel } from './bpe-model.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import type { TextSource } from './bpe-trainer.js';
import { utf8Into } from './byte-level.js';
import { learnMerges } from './merge-learner.js';
import { WordCounter, type WordCounterOptions } from './word-counter.js';

export interface ExtendOptions extends WordCounterOptions {
  /** How many new tokens to add at most. */
  newTokens: number;
  minFrequency?: number;
  onProgress?(phase: 'count' | 'merge', done: number, total: number): void;
  signal?: AbortSignal;
}

export async function extendBpe(base: BpeTokenizer, texts: TextSource, options: ExtendOptions): Promise<BpeTokenizer> {
  if (!Number.isInteger(options.newTokens) || options.newTokens < 1)
    throw new Error(`extend: newTokens must be a positive integer, got ${options.newTokens}`);
  const counter = new WordCounter(base.preTokenizer, { ...options, normalizers: base.normalizers });
  for await (const text of texts) {
    counter.add(text);
    options.onProgress?.('count', counter.chars, 0);
  }
  // Each distinct word as the existing tokenizer encodes it.
  const symbols: number[] = [];
  const starts = [0];
  const counts: number[] = [];
  let buf = new Uint8Array(256);
  for (const [word, count] of counter.words()) {
    if (buf.length < word.length * 3) buf = new Uint8Array(word.length * 6);
    const ids = base.model.encodeBytes(buf, utf8Into(word, 0, word.length, buf));
    if (ids.length < 2) continue; // nothing to merge
    for (const id of ids) symbols.push(id);
    starts.push(symbols.length);
    counts.push(count);
  }
  const firstId = base.vocabSize;
  const merges = learnMerges(
    { symbols: Int32Array.from(symbols), starts: Int32Array.from(starts), counts: Int32Array.from(counts) },
    {
      maxMerges: options.newTokens,
      minFrequency: options.minFrequency ?? 2,
      firstId,
      onProgress: (d) => options.onProgress?.('merge', d, options.newTokens),
      signal: options.signal,
    },
  );
  return new BpeTokenizer({
    type: base.type,
    model: appendMerges(base.model, firstId, merges),
    preTokenizer: base.preTokenizer,
    specialTokens: { ...base.specialTokens },
    normalizers: [...base.normalizers],
    addPrefixSpace: base.addPrefixSpace,
  });
}

/** The base vocabulary plus merge k's result as a new id (or the existing id with the same bytes). */
function appendMerges(base: BpeModel, firstId: number, merges: Int32Array): BpeModel {
  const tokenBytes = base.tokenBytes.slice();
  while (tokenBytes.length < firstId) tokenBytes.push(undefined); // ids held by special tokens
  const idOfBytes = new Map<string, number>();
  const key = (t: Uint8Array) => Buffer.from(t.buffer, t.byteOffset, t.length).toString('latin1');
  tokenBytes.forEach((t, id) => t && !idOfBytes.has(key(t)) && idOfBytes.set(key(t), id));
  const m = merges.length / 2;
  const remap = new Map<number, number>();
  const at = (id: number) => remap.get(id) ?? id;
  const oldM = base.mergeCount;
  const pairs = new Int32Array(2 * (oldM + m));
  const result = new Int32Array(oldM + m);
  for (let k = 0; k < oldM; k++) {
    pairs[2 * k] = base.mergeLeft[k];
    pairs[2 * k + 1] = base.mergeRight[k];
    result[k] = base.mergeResult[k];
  }
  for (let k = 0; k < m; k++) {
    const a = at(merges[2 * k]);
    const b = at(merges[2 * k + 1]);
    const l = tokenBytes[a]!;
    const r = tokenBytes[b]!;
    const t = new Uint8Array(l.length + r.length);
    t.set(l);
    t.set(r, l.length);
    let id = idOfBytes.get(key(t));
    if (id === undefined) {
      id = tokenBytes.push(t) - 1;
      idOfBytes.set(key(t), id);
    }
    remap.set(firstId + k, id);
    pairs[2 * (oldM + k)] = a;
    pairs[2 * (oldM + k) + 1] = b;
    result[oldM + k] = id;
  }
  return new BpeModel(tokenBytes, pairs, result, base.ignoreMerges);
}

/**
 * For each id the extension added, the old ids its bytes encode to with the old
 * tokenizer: what a model averages to initialise the new embedding and output rows.
 */
export function newTokenPieces(base: BpeTokenizer, extended: BpeTokenizer): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let id = base.vocabSize; id < extended.vocabSize; id++) {
    const bytes = extended.model.tokenBytes[id];
    if (!bytes) continue;
    out.set(id, base.model.encodeBytes(bytes, bytes.length));
  }
  return out;
}

/**
 * Grows a (rows × dim) row-major matrix (an embedding or an output projection) to
 * newRows rows; each new row is the mean of the old rows of its pieces, or the mean
 * of all old rows when a row has no pieces (e.g. a new special token).
 */
export function growRows(
  weights: Float32Array,
  rows: number,
  dim: number,
  newRows: number,
  pieces: Map<number, number[]>,
): Float32Array {
  if (weights.length !== rows * dim)
    throw new Error(`growRows: weights hold ${weights.length} values, expected ${rows}×${dim}`);
  const out = new Float32Array(newRows * dim);
  out.set(weights);
  const mean = new Float32Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j] += weights[r * dim + j] / rows;
  for (let id = rows; id < newRows; id++) {
    const ps = (pieces.get(id) ?? []).filter((p) => p < rows);
    const row = out.subarray(id * dim, (id + 1) * dim);
    if (ps.length === 0) {
      row.set(mean);
      continue;
    }
    for (const p of ps) for (let j = 0; j < dim; j++) row[j] += weights[p * dim + j] / ps.length;
  }
  return out;
}
