import { relative } from 'node:path';
import type { Doc, KilnContext, SourceHook } from '@kiln/core';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { expandFiles } from '../util/glob.js';
import { getPath } from './jsonl.js';

export interface ParquetSourceOptions {
  include: string | string[];
  cwd?: string;
  /** Column holding the text (default 'text'). Ignored when `map` is given. */
  column?: string;
  /** Columns to read when `map` is given (default: all). */
  columns?: string[];
  map?: (row: Record<string, unknown>) => string | undefined;
  name?: string;
}

/**
 * Rows of Parquet files, read one row group at a time (hyparquet reads byte
 * ranges of the file), so memory holds one row group, never the whole file.
 */
export function parquetSource(options: ParquetSourceOptions): SourceHook {
  const name = options.name ?? 'parquet';
  const column = options.column ?? 'text';
  const columns = options.map ? options.columns : [column];
  const pick = options.map ?? ((row: Record<string, unknown>) => getPath(row, column) as string | undefined);
  return {
    name,
    async *read(ctx: KilnContext): AsyncGenerator<Doc> {
      const cwd = options.cwd ?? ctx.config.root;
      for (const path of await expandFiles(name, options.include, cwd)) {
        const rel = relative(cwd, path);
        const file = await asyncBufferFromFile(path);
        const metadata = await parquetMetadataAsync(file);
        const names = metadata.schema.slice(1).map((s) => s.name);
        for (const c of columns ?? []) {
          if (!names.includes(c))
            throw new Error(`${name}: ${rel} has no column '${c}' (columns: ${names.join(', ')})`);
        }
        let rowStart = 0;
        for (const group of metadata.row_groups) {
          const rowEnd = rowStart + Number(group.num_rows);
          const rows = (await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd })) as Record<
            string,
            unknown
          >[];
          for (let i = 0; i < rows.length; i++) {
            const text = pick(rows[i]);
            if (typeof text === 'string' && text) {
              const row = rowStart + i;
              yield { id: `${name}:${rel}:${row}`, text, origin: { source: name, file: rel, row } };
            }
          }
          rowStart = rowEnd;
        }
      }
    },
  };
}
