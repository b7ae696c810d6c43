import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
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

  /** Appends one document's tokens (end-of-text included by the caller). */
  addDocument(tokens: Uint32Array): void {
    if (this.fd >= 0 && this.tokens > 0 && this.tokens + tokens.length > this.meta.shardTokens) this.finishShard();
    if (this.fd < 0) this.startShard();
    const bytes = this.meta.bytesPerToken === 2 ? toU16(tokens) : new Uint32Array(tokens);
    writeSync(this.fd, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.tokens += tokens.length;
    this.documents++;
  }

  /** Finishes the open shard, if any. */
  close(): ShardInfo[] {
    if (this.fd >= 0) this.finishShard();
    return this.shards;
  }

  private startShard(): void {
    const index = this.shards.length;
    this.tmp = join(this.dir, `.${shardFileName(this.split, index)}.tmp`);
    this.fd = openSync(this.tmp, 'w');
    writeSync(this.fd, Buffer.alloc(HEADER_BYTES));
    this.tokens = 0;
    this.documents = 0;
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
