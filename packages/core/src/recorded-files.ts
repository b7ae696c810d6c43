/**
 * The files finished stages left, checked against what state.json recorded for them (size, mtime,
 * sha256: stage-cache.ts) before anything uses them. A model file with flipped bytes, or any output
 * edited by hand, fails naming the file and the stage that wrote it, instead of loading silently.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { KilnError } from './errors.js';
import type { RunState } from './run-state.js';
import type { StageName } from './types.js';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface VerifyOptions {
  /** Only these stages' files (default: every recorded stage). */
  stages?: readonly StageName[];
  /** Only the files in this directory (absolute); a directory outside the run directory has none. */
  under?: string;
  /** Hash every file again; else only those whose size or mtime changed (as the stage cache does). */
  rehash?: boolean;
}

/** Throws (naming the file and its stage) when a recorded file is missing or no longer what its stage wrote. */
export async function verifyRecordedFiles(runRoot: string, state: RunState, o: VerifyOptions = {}): Promise<void> {
  let prefix: string | undefined;
  if (o.under !== undefined) {
    prefix = relative(runRoot, o.under);
    if (prefix === '..' || prefix.startsWith(`..${sep}`) || resolve(runRoot, prefix) !== resolve(o.under)) return;
  }
  const stages = o.stages ?? (Object.keys(state.stages) as StageName[]);
  for (const stage of stages) {
    const files = state.stages[stage]?.files ?? {};
    for (const [rel, recorded] of Object.entries(files)) {
      if (prefix !== undefined && prefix !== '' && rel !== prefix && !rel.startsWith(`${prefix}${sep}`)) continue;
      const file = resolve(runRoot, rel);
      const info = await stat(file).catch(() => undefined);
      const rerun = `rerun stage ${stage} (kiln run reruns it; kiln run --force reruns everything)`;
      if (!info?.isFile())
        throw new KilnError(`${file}: stage ${stage} wrote it and state.json records it, but it is gone: ${rerun}`);
      if (!o.rehash && info.size === recorded.size && info.mtimeMs === recorded.mtimeMs) continue;
      const now = info.size === recorded.size ? await sha256Of(file) : undefined;
      if (now === recorded.sha256) continue;
      throw new KilnError(
        `${file}: changed since stage ${stage} wrote it (state.json records ${recorded.size} bytes, sha256 ${recorded.sha256.slice(0, 12)}…; now ${info.size} bytes${now ? `, sha256 ${now.slice(0, 12)}…` : ''}): the file is damaged or was edited; ${rerun}, or restore it`,
      );
    }
  }
}
