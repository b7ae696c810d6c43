import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Token shard layout, after llm.c: a 1024-byte header of 256 little-endian
 * int32 values, then the tokens as little-endian u16 or u32.
 *
 *   [0] magic 'KILN' (0x4E4C494B)   [1] format version (1)   [2] bytes per token (2 | 4)
 *   [3] tokens, low 32 bits          [4] tokens, high bits     [5] documents
 *   [6] vocabulary size              [7] end-of-text id        [8] shard index in its split
 *   [9] split (0 train, 1 val)       [10] length of the tokenizer tag in bytes
 *   [16..31] tokenizer tag: the tokenizer's hash (ASCII, ≤ 64 bytes; longer hashes are stored as their SHA-256 hex)
 */
export const SHARD_MAGIC = 0x4e4c494b;
export const SHARD_VERSION = 1;
export const HEADER_BYTES = 1024;
export const SPLITS = ['train', 'val'] as const;
export type Split = (typeof SPLITS)[number];

export interface ShardHeader {
  version: number;
  bytesPerToken: 2 | 4;
  tokens: number;
  documents: number;
  vocabSize: number;
  eosId: number;
  index: number;
  split: Split;
  tokenizerTag: string;
}

/** The tag stored for a tokenizer hash: the hash itself when ASCII and ≤ 64 bytes, else its SHA-256 hex. */
export function tokenizerTag(hash: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(hash) ? hash : createHash('sha256').update(hash).digest('hex');
}

export function encodeHeader(h: ShardHeader): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.from(h.tokenizerTag, 'ascii');
  if (tag.length > 64) throw new Error(`shard header: tokenizer tag longer than 64 bytes`);
  const fields = [
    SHARD_MAGIC,
    h.version,
    h.bytesPerToken,
    h.tokens % 2 ** 32,
    Math.floor(h.tokens / 2 ** 32),
    h.documents,
    h.vocabSize,
    h.eosId,
    h.index,
    SPLITS.indexOf(h.split),
    tag.length,
  ];
  fields.forEach((v, i) => buf.writeUInt32LE(v >>> 0, i * 4));
  tag.copy(buf, 16 * 4);
  return buf;
}

export function decodeHeader(buf: Buffer, file: string): ShardHeader {
  if (buf.length < HEADER_BYTES) throw new Error(`${file}: too short for a Kiln token shard (${buf.length} bytes)`);
  const u = (i: number) => buf.readUInt32LE(i * 4);
  if (u(0) !== SHARD_MAGIC) throw new Error(`${file}: not a Kiln token shard (bad magic 0x${u(0).toString(16)})`);
  const version = u(1);
  if (version !== SHARD_VERSION)
    throw new Error(
      `${file}: shard format version ${version}, this Kiln reads version ${SHARD_VERSION}; re-run the encode stage`,
    );
  const bytesPerToken = u(2);
  if (bytesPerToken !== 2 && bytesPerToken !== 4) throw new Error(`${file}: bad bytes per token ${bytesPerToken}`);
  const split = SPLITS[u(9)];
  if (!split) throw new Error(`${file}: bad split code ${u(9)}`);
  return {
    version,
    bytesPerToken,
    tokens: u(3) + u(4) * 2 ** 32,
    documents: u(5),
    vocabSize: u(6),
    eosId: u(7),
    index: u(8),
    split,
    tokenizerTag: buf.toString('ascii', 64, 64 + u(10)),
  };
}

export function readHeader(file: string): ShardHeader {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, buf, 0, HEADER_BYTES, 0);
    return decodeHeader(buf.subarray(0, n), file);
  } finally {
    closeSync(fd);
  }
}

export function shardFileName(split: Split, index: number): string {
  return `${split}_${String(index).padStart(6, '0')}.bin`;
}
