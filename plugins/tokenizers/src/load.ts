/**
 * Loading any tokenizer Kiln understands from a directory or file, and saving one.
 */

import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Tokenizer } from '@kiln/core';
import { writeFileAtomic } from '@kiln/tensor';
import type { BpeTokenizer } from './bpe-tokenizer.js';
import { fromTiktokenRanks, loadGpt2Dir } from './gpt2-files.js';
import { loadTokenizerJson } from './hf-import.js';
import type { WordPieceTokenizer } from './wordpiece.js';

/**
 * A directory with tokenizer.json, or encoder.json + vocab.bpe (GPT-2's files); or a
 * tokenizer.json or *.tiktoken file. Undefined when none of these is there.
 */
export async function loadTokenizer(path: string): Promise<BpeTokenizer | WordPieceTokenizer | undefined> {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'tokenizer.json'))) return loadTokenizerJson(join(path, 'tokenizer.json'));
    if (existsSync(join(path, 'encoder.json')) && existsSync(join(path, 'vocab.bpe'))) return loadGpt2Dir(path);
    return undefined;
  }
  if (path.endsWith('.tiktoken')) return fromTiktokenRanks(await readFile(path, 'utf8'), { where: path });
  if (path.endsWith('.json')) return loadTokenizerJson(path);
  return undefined;
}

/** Writes tokenizer.json into dir atomically (temporary file, fsync, rename); returns its path. */
export async function saveTokenizer(tok: Tokenizer, dir: string): Promise<string> {
  const file = join(dir, 'tokenizer.json');
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(tok.toJSON()));
  return file;
}
