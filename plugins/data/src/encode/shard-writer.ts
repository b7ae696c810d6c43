import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHeader, HEADER_BYTES, SHARD_VERSION, type Split, shardFileName } from './shard-format.js';

export interface ShardInfo {
  file: string;
  tokens: number;
  documents: number;
}

/**
 * Writes one split's shards: tokens stream into a temporary file, the header is
 * written last and the file renamed into place, so a crash never leaves a shard
 * that looks complete. Documents never straddle shards.
 */
export class ShardWriter {
  readonly shards: ShardInfo[] = [];
  private fd = -1;
  private tmp = '';
  private tokens = 0;
  private documents = 0;
  /** The open shard's document with the lowest score: its byte offset after the header and its length in tokens. */
  private lowest: { score: number; at: number; tokens: number } | undefined;

  constructor(
    private readonly dir: string,
    private readonly split: Split,
    private readonly meta: {
      bytesPerToken: 2 | 4;
      vocabSize: number;
      eosId: number;
      tokenizerTag: string;
      shardTokens: number;
    },
  ) {}

  /** Appends one document's tokens (end-of-text included by the caller); `score` ranks it for takeLowest(). */
  addDocument(tokens: Uint32Array, score = Infinity): void {
    if (this.fd >= 0 && this.tokens > 0 && this.tokens + tokens.length > this.meta.shardTokens) this.finishShard();
    if (this.fd < 0) this.startShard();
    if (score < (this.lowest?.score ?? Infinity))
      this.lowest = { score, at: this.tokens * this.meta.bytesPerToken, tokens: tokens.length };
    const bytes = this.meta.bytesPerToken === 2 ? toU16(tokens) : new Uint32Array(tokens);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    writeSync(this.fd, view, 0, view.length, HEADER_BYTES + this.tokens * this.meta.bytesPerToken);
    this.tokens += tokens.length;
    this.documents++;
  }

  /**
   * Removes the open shard's lowest-scored document and returns its tokens (undefined when no
   * document of the open shard was scored). A shard left empty is dropped.
   */
  takeLowest(): Uint32Array | undefined {
    const low = this.lowest;
    if (this.fd < 0 || low === undefined) return undefined;
    const bpt = this.meta.bytesPerToken;
    const start = HEADER_BYTES + low.at;
    const length = low.tokens * bpt;
    const end = HEADER_BYTES + this.tokens * bpt;
    const doc = Buffer.alloc(length);
    readSync(this.fd, doc, 0, length, start);
    const tail = Buffer.alloc(end - start - length);
    readSync(this.fd, tail, 0, tail.length, start + length);
    writeSync(this.fd, tail, 0, tail.length, start);
    ftruncateSync(this.fd, end - length);
    this.tokens -= low.tokens;
    this.documents--;
    this.lowest = undefined;
    if (this.documents === 0) {
      closeSync(this.fd);
      rmSync(this.tmp);
      this.fd = -1;
    }
    const ids =
      bpt === 2
        ? new Uint16Array(doc.buffer, doc.byteOffset, low.tokens)
        : new Uint32Array(doc.buffer, doc.byteOffset, low.tokens);
    return Uint32Array.from(ids);
  }

  /** Finishes the open shard, if any. */
  close(): ShardInfo[] {
    if (this.fd >= 0) this.finishShard();
    return this.shards;
  }

  private startShard(): void {
    const index = this.shards.length;
    this.tmp = join(this.dir, `.${shardFileName(this.split, index)}.tmp`);
    this.fd = openSync(this.tmp, 'w+'); // read back by takeLowest();
    writeSync(this.fd, Buffer.alloc(HEADER_BYTES));
    this.tokens = 0;
    this.documents = 0;
    this.lowest = undefined;
  }

  private finishShard(): void {
    const index = this.shards.length;
    const header = encodeHeader({
      version: SHARD_VERSION,
      ...this.meta,
      tokens: this.tokens,
      documents: this.documents,
      index,
      split: this.split,
    });
    writeSync(this.fd, header, 0, header.length, 0);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    const file = shardFileName(this.split, index);
    renameSync(this.tmp, join(this.dir, file));
    this.shards.push({ file, tokens: this.tokens, documents: this.documents });
  }
}

function toU16(tokens: Uint32Array): Uint16Array {
  const out = new Uint16Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] > 0xffff) throw new Error(`token id ${tokens[i]} does not fit the shard's u16 dtype`);
    out[i] = tokens[i];
  }
  return out;
}
