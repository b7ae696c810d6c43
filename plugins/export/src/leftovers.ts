/**
 * Temporary files an export was writing when it was killed. Every write here goes to a
 * hidden sibling named `.<name>.<pid>.<tag>.tmp` and is renamed when complete (writeGguf,
 * writeFileAtomic, the saved model's folder), so a kill -9 leaves such names and nothing
 * else; the next export in that folder removes them, as the checkpoint writer does with
 * its `.step-N.*.tmp` folders. A writer that is still alive (another process) is left alone.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const TEMP = /^\..+\.(\d+)\.[0-9a-z]+\.tmp$/;

/** A hidden temporary name beside `name` in the same folder, owned by this process. */
export function tempName(name: string): string {
  return `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary files and folders in `dir` whose writer is gone; returns their names. */
export async function removeLeftovers(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const m = TEMP.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
