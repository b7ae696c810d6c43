import { isAbsolute, resolve } from 'node:path';
import { glob } from 'tinyglobby';

/**
 * Files matching the patterns, absolute and sorted, so a source reads them in
 * the same order on every machine. Throws naming the source when nothing matches.
 */
export async function expandFiles(sourceName: string, patterns: string | string[], cwd: string): Promise<string[]> {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  if (list.length === 0) throw new Error(`${sourceName}: 'include' is empty; give at least one file or glob`);
  const files = await glob(list, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
  const sorted = [...new Set(files.map((f) => (isAbsolute(f) ? f : resolve(cwd, f))))].sort();
  if (sorted.length === 0)
    throw new Error(`${sourceName}: no file matches ${JSON.stringify(list)} (relative to ${cwd})`);
  return sorted;
}
