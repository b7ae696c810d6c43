/** Running the data stage of the prepare fixture config, and reading back what it wrote. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';

export const PREPARE_CONFIG_DIR = fileURLToPath(new URL('./fixtures/prepare/', import.meta.url));

export const DATA_FILES = ['data/clean.jsonl', 'data/report.json', 'data/manifest.json'] as const;

export interface RunDataOptions {
  runDir?: string;
  /** In PREPARE_CONFIG_DIR (default llm.config.ts). */
  configFile?: string;
  signal?: AbortSignal;
}

/** The data stage of the fixture config with `--set` overrides, into a fresh run directory. */
export async function runData(overrides: string[], options: RunDataOptions = {}) {
  const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), 'kiln-prepare-'));
  const logger = createMemoryLogger();
  const kiln = await createKiln({
    cwd: PREPARE_CONFIG_DIR,
    runDir,
    overrides,
    command: 'prepare',
    logger,
    ...(options.configFile && { configFile: options.configFile }),
    ...(options.signal && { signal: options.signal }),
  });
  try {
    const results = await kiln.run(['data']);
    return { runDir, results, logger };
  } finally {
    await kiln.close();
  }
}

export function dataFiles(runDir: string): Record<string, string> {
  return Object.fromEntries(DATA_FILES.map((f) => [f, readFileSync(join(runDir, f), 'utf8')]));
}
