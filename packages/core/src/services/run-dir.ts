/** The run directory: every file a run writes lives here, written atomically. */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '@kiln/tensor';
import type { RunDir } from '../types.js';

/** Temporary sibling name for a file written as a stream, then renamed into place. */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** tensor's atomic write (temp file, fsync, rename), creating the folder first. */
async function writeInto(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, data);
}

export function createRunDir(root: string): RunDir {
  const abs = resolve(root);
  mkdirSync(abs, { recursive: true });
  const path = (...parts: string[]) => {
    const full = resolve(abs, ...parts);
    const rel = relative(abs, full);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new Error(`path ${join(...parts)} leaves the run directory ${abs}`);
    return full;
  };
  return {
    root: abs,
    path,
    writeAtomic: (relPath, data) => writeInto(path(relPath), data),
    writeJson: (relPath, value) => writeInto(path(relPath), `${JSON.stringify(value, null, 2)}\n`),
    async readJson<T>(relPath: string): Promise<T | undefined> {
      const file = path(relPath);
      if (!existsSync(file)) return undefined;
      return JSON.parse(await readFile(file, 'utf8')) as T;
    },
    exists: (relPath) => existsSync(path(relPath)),
  };
}
