import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Utf8Text } from './utf8.js';

/** A readable stream of a file's bytes, gunzipped when the name ends in .gz. */
export function openMaybeGzip(file: string): Readable {
  const raw = createReadStream(file);
  return file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/** The stream's bytes as text, through `utf8` (which counts what is not UTF-8). */
async function* decoded(input: Readable, utf8: Utf8Text): AsyncGenerator<string> {
  for await (const chunk of input) yield utf8.push(chunk as Buffer);
  const rest = utf8.end();
  if (rest) yield rest;
}

/**
 * Lines of a (possibly gzipped) text file, streamed; the line terminator is removed. With `utf8`, the
 * bytes are decoded through it, so the caller learns how many were not UTF-8 once the lines are read.
 */
export async function* readLines(file: string, utf8?: Utf8Text): AsyncGenerator<string> {
  const raw = openMaybeGzip(file);
  const input = utf8 ? Readable.from(decoded(raw, utf8)) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    input.destroy();
    raw.destroy();
  }
}

/** Whole text of a (possibly gzipped) file. For one-document-per-file sources. `utf8` as in readLines. */
export async function readText(file: string, utf8?: Utf8Text): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of openMaybeGzip(file)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return utf8 ? utf8.push(bytes) + utf8.end() : bytes.toString('utf8');
}
