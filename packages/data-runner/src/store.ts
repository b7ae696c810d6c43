/**
 * Shard files on the shared directory (the run directory, which every worker
 * mounts at the same path): V8's structured-clone format, so typed arrays
 * (MinHash signatures) travel as they are; written atomically, so a worker
 * killed halfway leaves no half file. Coordinator and workers run the same Node major.
 */
import { readFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { KilnError } from '@kiln/core';
import { writeFileAtomic } from '@kiln/tensor';

export function encodeShard(value: unknown): Buffer {
  return serialize(value);
}

export async function writeShardFile(file: string, data: Buffer): Promise<void> {
  await writeFileAtomic(file, data);
}

export async function readShardFile<T>(file: string): Promise<T> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new KilnError(
      `${file}: shard file unreadable (${(error as Error).message}); every worker must see the run directory at the same path`,
    );
  }
  return deserialize(bytes) as T;
}
