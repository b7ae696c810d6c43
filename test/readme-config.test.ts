/**
 * The README's "minimal llm.config.ts" works as written: the test takes the config out of README.md
 * (so the two cannot drift), writes it into a fresh project with a small text corpus and runs it.
 * Only the sizes are overridden from the command line, to keep the run small.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The ```ts block under the README's "A minimal `llm.config.ts`" heading. */
function readmeConfig(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('A minimal `llm.config.ts`'));
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md: no ```ts block under "## A minimal `llm.config.ts`"');
  return code;
}

// Small sizes from the command line: the config itself is the README's, byte for byte.
const SMALL = [
  'tokenizer.vocabSize=300',
  'model.vocabSize=300',
  'model.context=32',
  'model.nLayer=1',
  'model.nEmbd=32',
  'model.nHead=2',
  'train.steps=2',
  'train.batchSize=2',
  'train.seqLen=32',
  'train.evalEvery=0',
  'train.evalBatches=1',
];

test("the README's minimal llm.config.ts runs as written: data, tokenizer, encode and train", async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'readme-config-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  const config = readmeConfig();
  writeFileSync(join(cwd, 'llm.config.ts'), config);
  mkdirSync(join(cwd, 'corpus/speeches'), { recursive: true });
  const text = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8');
  writeFileSync(join(cwd, 'corpus/speeches/early.txt'), text.slice(0, 30_000));
  writeFileSync(join(cwd, 'corpus/later.txt'), text.slice(30_000, 60_000));

  const kiln = await createKiln({ cwd, overrides: SMALL, logger: createMemoryLogger() });
  try {
    const results = await kiln.run();
    // The config has no encode section, yet train needs the shards that shards() writes.
    expect(Object.keys(results)).toEqual(['data', 'tokenizer', 'encode', 'train']);
    expect(results.train.metrics?.step).toBe(2);
    expect(Number.isFinite(results.train.metrics?.loss)).toBe(true);
  } finally {
    await kiln.close();
  }
}, 180_000);
