/** Shared helpers for core tests: a temp folder inside the repo (so packages resolve) and a quiet Kiln. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { createKiln, createMemoryLogger, type KilnOptions, type UserConfigExport } from '../src/index.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** A fresh folder under node_modules/.cache, inside the repo, so node_modules resolution works from it. */
export function tempDir(prefix = 'core'): string {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function kilnWith(config: UserConfigExport, options: KilnOptions = {}) {
  const logger = createMemoryLogger();
  const cwd = options.cwd ?? tempDir();
  const kiln = await createKiln({ config, cwd, logger, ...options });
  return { kiln, logger, cwd };
}
