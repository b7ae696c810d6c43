import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A readable stream of a file's bytes, gunzipped when the name ends in .gz. */
export function openMaybeGzip(file: string): Readable {
  const raw = createReadStream(file);
  return file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/** Lines of a (possibly gzipped) text file, streamed; the line terminator is removed. */
export async function* readLines(file: string): AsyncGenerator<string> {
  const input = openMaybeGzip(file);
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    input.destroy();
  }
}

/** Whole text of a (possibly gzipped) file. For one-document-per-file sources. */
export async function readText(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of openMaybeGzip(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
