/** Reading and writing documents as JSON lines (data/clean.jsonl), streaming. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { KilnError } from '../errors.js';
import type { Doc } from '../types.js';

/** The documents of a JSONL file, one per line, in constant memory. */
export async function* readJsonlDocs(file: string, signal?: AbortSignal): AsyncIterable<Doc> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (signal?.aborted) return;
      if (line.trim() === '') continue;
      let doc: Doc;
      try {
        doc = JSON.parse(line) as Doc;
      } catch (error) {
        throw new KilnError(`${file}:${lineNo}: not valid JSON (${(error as Error).message})`);
      }
      if (typeof doc?.text !== 'string') throw new KilnError(`${file}:${lineNo}: a document needs a "text" string`);
      yield doc;
    }
  } finally {
    lines.close();
  }
}

export function docLine(doc: Doc): string {
  return `${JSON.stringify({ id: doc.id, text: doc.text, origin: doc.origin, ...(doc.meta && { meta: doc.meta }) })}\n`;
}
