/** Kiln's one atomic writer (fsync, then rename), async and sync: whole or nothing, no temporary file left. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../src/index.js';

const parts = [new TextEncoder().encode('kiln '), new TextEncoder().encode('fires '), new TextEncoder().encode('clay')];

describe.each([
  ['writeFileAtomic', (path: string, data: Parameters<typeof writeFileAtomicSync>[1]) => writeFileAtomic(path, data)],
  [
    'writeFileAtomicSync',
    async (path: string, data: Parameters<typeof writeFileAtomicSync>[1]) => writeFileAtomicSync(path, data),
  ],
])('%s', (_name, write) => {
  it('writes a string, bytes or parts in order, replacing the old file and leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-atomic-'));
    const file = join(dir, 'a.json');
    writeFileSync(file, 'old');
    await write(file, '{"new":true}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"new":true}\n');
    await write(file, parts);
    expect(readFileSync(file, 'utf8')).toBe('kiln fires clay');
    await write(file, new Uint8Array(300_000).fill(7));
    expect(readFileSync(file).length).toBe(300_000);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('a failed rename keeps what was there and removes its temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-atomic-'));
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'kept');
    await expect(write(target, 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('kept');
  });
});
