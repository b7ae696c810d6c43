/**
 * Bad corpora fail where they are seen (issue 28 item 10): a data stage that keeps no document fails
 * naming the sources and the rules that dropped everything (it passed with "kept 0 of 0", and train
 * failed later with "run the encode stage first"), and a tokenizer that cannot reach the vocabulary it
 * was asked for says so.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger, type KilnPlugin, type StageName, type UserConfig } from '@kiln/core';
import { cleaning, shards, textFiles } from '@kiln/data';
import tokenizers from '@kiln/tokenizers';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

function workDir(files: Record<string, string>): string {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'corpus-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(cwd, name, '..'), { recursive: true });
    writeFileSync(join(cwd, name), text);
  }
  return cwd;
}

function config(cleaners: KilnPlugin[], vocabSize = 300): UserConfig {
  return {
    name: 'corpus',
    backend: 'js',
    plugins: [textFiles({ include: 'corpus/*.txt', split: 'paragraph' }), ...cleaners, tokenizers(), shards()],
    tokenizer: { type: 'bpe', vocabSize, specialTokens: ['<|endoftext|>'] },
  };
}

async function run(cwd: string, c: UserConfig, stages: StageName[]) {
  const logger = createMemoryLogger();
  const kiln = await createKiln({ cwd, config: c, logger });
  try {
    return { results: await kiln.run(stages), logger };
  } finally {
    await kiln.close();
  }
}

test('a corpus of empty files fails the data stage, naming the source and what it includes', async () => {
  const cwd = workDir({ 'corpus/a.txt': '', 'corpus/b.txt': '\n   \n\n' });
  await expect(run(cwd, config(cleaning()), ['data', 'tokenizer'])).rejects.toThrow(
    /data: the sources read no documents .*: text \(kiln:text-files \{"include":"corpus\/\*\.txt","split":"paragraph"\}\)/,
  );
  // Nothing was recorded as finished: the next run does the data stage again.
  const state = JSON.parse(readFileSync(join(cwd, 'runs/corpus/state.json'), 'utf8'));
  expect(state.stages.data).toBeUndefined();
});

test('a corpus every rule drops fails the data stage, naming the rules and their reasons', async () => {
  const cwd = workDir({ 'corpus/a.txt': 'too short.\n\nalso short.\n' });
  await expect(run(cwd, config(cleaning({ quality: { minWords: 50 } })), ['data'])).rejects.toThrow(
    /data: every one of the 2 documents read was dropped: quality \(kiln:quality\) dropped 2 \(.*words.*: 2\)/,
  );
});

test('a tokenizer that cannot reach tokenizer.vocabSize says so', async () => {
  const cwd = workDir({ 'corpus/a.txt': 'a small corpus, with a few words in it.\n\nand a second paragraph.\n' });
  const { results, logger } = await run(cwd, config([], 5000), ['data', 'tokenizer']);
  const size = results.tokenizer.metrics?.vocabSize as number;
  expect(size).toBeLessThan(5000);
  const warning = logger.records.find((r) => r.level === 'warn' && r.message.startsWith('tokenizer:'));
  expect(warning?.message).toContain(`${size} tokens, not the 5000 tokenizer.vocabSize asks for: 2 documents`);
});
