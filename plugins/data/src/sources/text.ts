import { relative } from 'node:path';
import type { Doc, KilnContext, SourceHook } from '@kiln/core';
import { expandFiles } from '../util/glob.js';
import { readLines, readText } from '../util/lines.js';
import { checkUtf8, type InvalidUtf8, Utf8Text } from '../util/utf8.js';

export interface TextSourceOptions {
  /** Files or globs (txt, md, and their .gz), relative to `cwd`. */
  include: string | string[];
  /** Directory globs resolve against (default: the config's root). */
  cwd?: string;
  /** One document per file, per line, or per blank-line-separated paragraph (default 'file'). */
  split?: 'file' | 'line' | 'paragraph';
  /** Source name in the manifest and report (default 'text'). */
  name?: string;
  /** Bytes that are not UTF-8: 'error' (default) fails naming the file; 'replace' reads them as U+FFFD and warns. */
  invalidUtf8?: InvalidUtf8;
}

/** Plain text files as documents, streamed file by file and line by line. */
export function textSource(options: TextSourceOptions): SourceHook {
  const name = options.name ?? 'text';
  const split = options.split ?? 'file';
  if (!['file', 'line', 'paragraph'].includes(split)) {
    throw new Error(`${name}: option 'split' must be 'file', 'line' or 'paragraph', got ${JSON.stringify(split)}`);
  }
  return {
    name,
    async *read(ctx: KilnContext): AsyncGenerator<Doc> {
      const cwd = options.cwd ?? ctx.config.root;
      for (const file of await expandFiles(name, options.include, cwd)) {
        const rel = relative(cwd, file);
        const utf8 = new Utf8Text();
        if (split === 'file') {
          const text = await readText(file, utf8);
          checkUtf8(utf8, name, rel, options.invalidUtf8 ?? 'error', ctx);
          if (text.trim()) yield { id: `${name}:${rel}`, text, origin: { source: name, file: rel } };
          continue;
        }
        let lineNo = 0;
        let para: string[] = [];
        let paraStart = 1;
        for await (const line of readLines(file, utf8)) {
          lineNo++;
          if (split === 'line') {
            if (line.trim())
              yield { id: `${name}:${rel}:${lineNo}`, text: line, origin: { source: name, file: rel, line: lineNo } };
            continue;
          }
          if (line.trim() === '') {
            if (para.length) yield paragraphDoc(name, rel, paraStart, para);
            para = [];
            paraStart = lineNo + 1;
          } else {
            if (para.length === 0) paraStart = lineNo;
            para.push(line);
          }
        }
        if (para.length) yield paragraphDoc(name, rel, paraStart, para);
        checkUtf8(utf8, name, rel, options.invalidUtf8 ?? 'error', ctx);
      }
    },
  };
}

function paragraphDoc(name: string, rel: string, line: number, lines: string[]): Doc {
  return { id: `${name}:${rel}:${line}`, text: lines.join('\n'), origin: { source: name, file: rel, line } };
}
