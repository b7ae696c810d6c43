/**
 * Token shards in llm.c's layout, so llm.c's and nanoGPT-style multi-GPU trainers read Kiln's data
 * directly: a 1024-byte header of 256 little-endian int32 ([0] magic 20240520, [1] version 1,
 * [2] number of tokens, the rest zero), then the tokens as little-endian uint16. Each Kiln shard
 * (shard-format.ts) becomes one file, named as llm.c's data scripts name theirs:
 * `<prefix>_train_000000.bin`, `<prefix>_val_000000.bin`. uint16 holds vocabularies up to 65 536
 * (GPT-2's 50 257); a larger one cannot be written in this layout and is refused.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '@kiln/tensor';
import { decodeHeader, HEADER_BYTES } from './shard-format.js';

export const LLMC_MAGIC = 20240520;
export const LLMC_VERSION = 1;

/** The llm.c header for `tokens` tokens. */
export function llmcHeader(tokens: number): Buffer {
  if (!Number.isInteger(tokens) || tokens < 0 || tokens > 2 ** 31 - 1)
    throw new Error(`llm.c shard: ${tokens} tokens do not fit its int32 count`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeInt32LE(LLMC_MAGIC, 0);
  header.writeInt32LE(LLMC_VERSION, 4);
  header.writeInt32LE(tokens, 8);
  return header;
}

/** Writes `shards` (Kiln shard files) again in llm.c's layout into `outDir`; returns the files written. */
export async function writeLlmcShards(shards: readonly string[], outDir: string, prefix = 'kiln'): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of shards) {
    const bytes = readFileSync(file);
    const h = decodeHeader(bytes, file);
    if (h.bytesPerToken !== 2)
      throw new Error(
        `encode.llmc: ${file} holds ${h.bytesPerToken}-byte tokens (vocabulary ${h.vocabSize}); llm.c's layout stores uint16 tokens, so the vocabulary must be at most 65536`,
      );
    const body = bytes.subarray(HEADER_BYTES, HEADER_BYTES + 2 * h.tokens);
    if (body.length !== 2 * h.tokens) throw new Error(`${file}: shorter than its header's ${h.tokens} tokens`);
    const out = join(outDir, `${prefix}_${basename(file)}`);
    await writeFileAtomic(out, Buffer.concat([llmcHeader(h.tokens), body]));
    written.push(out);
  }
  return written;
}
