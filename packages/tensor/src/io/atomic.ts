import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden temporary name beside `path`, unique to this process and call. */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
}

function partsOf(data: string | Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
}

/**
 * Kiln's one atomic writer. Readers see either the old content or the new, never half of
 * it, and after a crash the new content is on disk: write a temporary file beside it,
 * fsync, then rename over. (npm's write-file-atomic does the same but takes one buffer;
 * safetensors are written as a list of parts, never joined in memory.)
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const tmp = tempBeside(path);
  const fh = await open(tmp, 'w');
  try {
    for (const p of partsOf(data)) await fh.write(p);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** writeFileAtomic for synchronous callers (a manifest at the end of a synchronous writer, a rewound log). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const tmp = tempBeside(path);
  const fd = openSync(tmp, 'w');
  try {
    for (const p of partsOf(data)) for (let at = 0; at < p.length; ) at += writeSync(fd, p, at);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
