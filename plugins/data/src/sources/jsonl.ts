import { relative } from 'node:path';
import type { Doc, KilnContext, SourceHook } from '@kiln/core';
import { expandFiles } from '../util/glob.js';
import { readLines } from '../util/lines.js';
import { checkUtf8, type InvalidUtf8, Utf8Text } from '../util/utf8.js';

export interface JsonlSourceOptions {
  /** JSONL files or globs (optionally .gz), relative to `cwd`. */
  include: string | string[];
  cwd?: string;
  /** Field holding the text (default 'text'); dotted paths reach nested fields. Ignored when `map` is given. */
  field?: string;
  /** Turns one record into text (or undefined to skip it), e.g. joining a chat. */
  map?: (record: unknown) => string | undefined;
  /** Fields copied into doc.meta. */
  metaFields?: string[];
  name?: string;
  /** Bytes that are not UTF-8: 'error' (default) fails naming the file; 'replace' reads them as U+FFFD and warns. */
  invalidUtf8?: InvalidUtf8;
}

/** One document per JSON line, streamed. A malformed line is an error naming file and line. */
export function jsonlSource(options: JsonlSourceOptions): SourceHook {
  const name = options.name ?? 'jsonl';
  const field = options.field ?? 'text';
  const pick = options.map ?? ((record: unknown) => getPath(record, field));
  return {
    name,
    async *read(ctx: KilnContext): AsyncGenerator<Doc> {
      const cwd = options.cwd ?? ctx.config.root;
      for (const file of await expandFiles(name, options.include, cwd)) {
        const rel = relative(cwd, file);
        let lineNo = 0;
        const utf8 = new Utf8Text();
        for await (const line of readLines(file, utf8)) {
          lineNo++;
          if (!line.trim()) continue;
          let record: unknown;
          try {
            record = JSON.parse(line);
          } catch (err) {
            throw new Error(`${name}: ${rel}:${lineNo} is not valid JSON (${(err as Error).message})`);
          }
          const text = pick(record);
          if (text !== undefined && typeof text !== 'string') {
            throw new Error(`${name}: ${rel}:${lineNo}: field '${field}' is ${typeof text}, expected a string`);
          }
          if (!text) continue;
          const doc: Doc = { id: `${name}:${rel}:${lineNo}`, text, origin: { source: name, file: rel, line: lineNo } };
          if (options.metaFields) doc.meta = Object.fromEntries(options.metaFields.map((f) => [f, getPath(record, f)]));
          yield doc;
        }
        checkUtf8(utf8, name, rel, options.invalidUtf8 ?? 'error', ctx);
      }
    },
  };
}

export function getPath(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
