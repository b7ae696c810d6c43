import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Tokenizer } from '@kiln/core';
import { writeFileAtomicSync } from '@kiln/tensor';
import { byteTokenizer } from './byte-tokenizer.js';
import { type EncodeBatch, type EncodedBatch, encodeBatch, type TokenizerWorkerSpec } from './encode-task.js';
import { orderedMap, siblingModule } from './pool.js';
import { SHARD_VERSION, type Split, tokenizerTag } from './shard-format.js';
import { type ShardInfo, ShardWriter } from './shard-writer.js';
import { splitScore } from './split.js';

export interface EncodeOptions {
  /** Output directory for shards and manifest.json (created; old shards in it are removed). */
  outDir: string;
  tokenizer?: Tokenizer;
  /** Worker threads (default: all cores). 1 encodes on the calling thread. Output is identical for any value. */
  threads?: number;
  /**
   * Share of documents held out for validation (default 0.01), chosen by a hash of each document's id
   * and `seed`. With two or more documents and valFraction > 0 the validation split is never empty.
   */
  valFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** Tokens per shard before a new one starts (default 2^26; documents never straddle shards). */
  shardTokens?: number;
  /** Characters per batch sent to a worker (default 1 MiB). */
  batchChars?: number;
  /** Called after each batch with documents and characters done. */
  onProgress?: (docs: number, chars: number) => void;
  /** Stops between batches when aborted. */
  signal?: AbortSignal;
  /** Told what the split did that its hash alone did not (a document moved to an empty validation split). */
  onNote?: (message: string) => void;
}

export interface EncodeManifest {
  format: 'kiln-token-shards';
  version: number;
  writtenBy: string;
  tokenizer: { type: string; hash: string; tag: string; vocabSize: number; eosId: number };
  bytesPerToken: 2 | 4;
  seed: number;
  valFraction: number;
  splits: Record<Split, { tokens: number; documents: number; shards: ShardInfo[] }>;
}

const BYTE_TOKENIZER_SPEC = (): TokenizerWorkerSpec => ({
  module: siblingModule(import.meta.url, './byte-tokenizer'),
  exportName: 'byteTokenizer',
});

/**
 * Documents → token shards, each document followed by end-of-text. Encoding runs
 * over worker threads in batches; results are written in input order, so the
 * shards are byte-identical whatever the thread count.
 */
export async function encodeDocuments(
  docs: AsyncIterable<{ id: string; text: string }>,
  options: EncodeOptions,
): Promise<EncodeManifest> {
  const tokenizer = options.tokenizer ?? byteTokenizer();
  const seed = options.seed ?? 0;
  const valFraction = options.valFraction ?? 0.01;
  if (!(valFraction >= 0 && valFraction < 1))
    throw new Error(`encode: 'valFraction' must be in [0, 1), got ${valFraction}`);
  const spec = workerSpecOf(tokenizer);
  const threads = spec ? Math.max(1, options.threads ?? availableParallelism()) : 1;
  const bytesPerToken = tokenizer.vocabSize <= 65536 ? 2 : 4;
  const tag = tokenizerTag(tokenizer.hash());

  mkdirSync(options.outDir, { recursive: true });
  for (const f of readdirSync(options.outDir)) if (/^(train|val)_\d+\.bin$/.test(f)) rmSync(join(options.outDir, f));
  const meta = {
    bytesPerToken,
    vocabSize: tokenizer.vocabSize,
    eosId: tokenizer.eosId,
    tokenizerTag: tag,
    shardTokens: options.shardTokens ?? 2 ** 26,
  } as const;
  const writers = {
    train: new ShardWriter(options.outDir, 'train', meta),
    val: new ShardWriter(options.outDir, 'val', meta),
  };

  // Batches carry the split of each document along, so the writer needs no lookup.
  const splits: Array<{ which: Split[]; scores: number[]; chars: number }> = [];
  async function* batches(): AsyncGenerator<EncodeBatch> {
    let texts: string[] = [];
    let which: Split[] = [];
    let scores: number[] = [];
    let chars = 0;
    for await (const doc of docs) {
      const score = splitScore(doc.id, seed);
      texts.push(doc.text);
      which.push(valFraction > 0 && score < valFraction ? 'val' : 'train');
      scores.push(score);
      chars += doc.text.length;
      if (chars >= (options.batchChars ?? 1 << 20)) {
        splits.push({ which, scores, chars });
        yield { texts };
        texts = [];
        which = [];
        scores = [];
        chars = 0;
      }
      if (options.signal?.aborted) break;
    }
    if (texts.length) {
      splits.push({ which, scores, chars });
      yield { texts };
    }
  }

  const results: AsyncIterable<EncodedBatch> =
    threads === 1
      ? mapInline(batches(), tokenizer)
      : orderedMap<EncodeBatch, EncodedBatch>(
          batches(),
          { module: siblingModule(import.meta.url, './encode-task'), init: { tokenizer: spec } },
          threads,
        );
  let docsDone = 0;
  let charsDone = 0;
  let valDocs = 0;
  for await (const { tokens, lengths } of results) {
    const { which, scores, chars } = splits.shift()!;
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const doc = new Uint32Array(lengths[i] + 1);
      doc.set(tokens.subarray(at, at + lengths[i]));
      doc[lengths[i]] = tokenizer.eosId;
      at += lengths[i];
      if (which[i] === 'val') {
        writers.val.addDocument(doc);
        valDocs++;
      } else writers.train.addDocument(doc, scores[i]);
    }
    docsDone += lengths.length;
    charsDone += chars;
    options.onProgress?.(docsDone, charsDone);
  }
  // A small corpus can miss the validation split by chance (20 documents at 0.1: 12% of seeds): it then
  // takes the train document that came closest, the lowest score of the last train shard.
  if (valFraction > 0 && valDocs === 0 && docsDone >= 2 && !options.signal?.aborted) {
    const moved = writers.train.takeLowest();
    if (moved) {
      writers.val.addDocument(moved);
      options.onNote?.(
        `encode: no document of ${docsDone} fell below valFraction ${valFraction}; the one closest to it was moved to validation`,
      );
    }
  }
  const summary = (w: ShardWriter) => {
    const shards = w.close();
    return {
      tokens: shards.reduce((s, x) => s + x.tokens, 0),
      documents: shards.reduce((s, x) => s + x.documents, 0),
      shards,
    };
  };
  const manifest: EncodeManifest = {
    format: 'kiln-token-shards',
    version: SHARD_VERSION,
    writtenBy: '@kiln/data',
    tokenizer: {
      type: tokenizer.type,
      hash: tokenizer.hash(),
      tag,
      vocabSize: tokenizer.vocabSize,
      eosId: tokenizer.eosId,
    },
    bytesPerToken,
    seed,
    valFraction,
    splits: { train: summary(writers.train), val: summary(writers.val) },
  };
  writeFileAtomicSync(join(options.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** How worker threads rebuild this tokenizer, or undefined when they cannot (then encoding stays on one thread). */
export function workerSpecOf(tokenizer: Tokenizer): TokenizerWorkerSpec | undefined {
  const attached = (tokenizer as Tokenizer & { workerSpec?: TokenizerWorkerSpec }).workerSpec;
  if (attached) return attached;
  if (tokenizer.type === 'kiln:bytes' && tokenizer.hash() === byteTokenizer().hash()) return BYTE_TOKENIZER_SPEC();
  return undefined;
}

async function* mapInline(batches: AsyncIterable<EncodeBatch>, tokenizer: Tokenizer): AsyncGenerator<EncodedBatch> {
  for await (const b of batches) yield encodeBatch(tokenizer, b);
}
