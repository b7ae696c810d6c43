// Stage caching users can trust: the data and tokenizer plugins declare what their output depends on
// (cacheKey = their options), so adding a finetune or eval plugin to llm.config.ts never reruns data
// preparation, and changing a cleaner's options always does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const TEXT = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8').slice(
  0,
  20_000,
);

/** llm.config.ts with a cleaner setting and, optionally, the post-training plugins added. */
function configText(o: { minWords: number; postTraining: boolean }): string {
  return `import { cleaning, textFiles, shards } from '@kiln/data';
import tokenizers from '@kiln/tokenizers';
${o.postTraining ? "import finetune from '@kiln/finetune';\nimport align from '@kiln/align';\nimport { taskAccuracy } from '@kiln/eval';\nimport { exactMatch } from '@kiln/rewards';\n" : ''}
export default {
  name: 'keys', seed: 3, backend: 'js',
  plugins: [textFiles({ include: 'corpus.txt', split: 'paragraph' }), cleaning({ quality: { minWords: ${o.minWords} } }), tokenizers(), shards({ valFraction: 0.1 }),
    ${o.postTraining ? "finetune(), align(), exactMatch(), taskAccuracy({ file: 'qa.jsonl' })," : ''}
  ],
  stages: ['data', 'tokenizer', 'encode'],
  tokenizer: { type: 'bpe', vocabSize: 300, specialTokens: ['<|endoftext|>'] },
  encode: {},
};
`;
}

async function run(cwd: string, overrides: string[] = []): Promise<string[]> {
  const logger = createMemoryLogger();
  const kiln = await createKiln({ cwd, logger, overrides });
  try {
    await kiln.run();
  } finally {
    await kiln.close();
  }
  return logger.records
    .filter((r) => /^stage \w+: up to date, skipped/.test(r.message))
    .map((r) => r.message.split(':')[0].replace('stage ', ''));
}

test('adding finetune/align/eval plugins reruns nothing; changing a cleaner reruns data prep', async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'cache-keys-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);
  writeFileSync(join(cwd, 'llm.config.ts'), configText({ minWords: 20, postTraining: false }));
  expect(await run(cwd)).toEqual([]); // first run: every stage runs
  const dropped = () => JSON.parse(readFileSync(join(cwd, 'runs/keys/data/report.json'), 'utf8')).dropped as number;
  const droppedAt20 = dropped();

  writeFileSync(join(cwd, 'llm.config.ts'), configText({ minWords: 20, postTraining: true }));
  expect(await run(cwd)).toEqual(['data', 'tokenizer', 'encode']); // the file changed, data prep did not

  writeFileSync(join(cwd, 'llm.config.ts'), configText({ minWords: 1500, postTraining: true }));
  const skipped = await run(cwd);
  expect(skipped).not.toContain('data'); // the cleaner changed: data reran
  expect(dropped()).toBeGreaterThan(droppedAt20); // and its output shows the new rule
}, 120_000);

test('where the data stage runs (threads, shard size) is not part of its cache key', async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'cache-placement-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);
  writeFileSync(join(cwd, 'llm.config.ts'), configText({ minWords: 20, postTraining: false }));
  expect(await run(cwd, ['data.threads=1'])).toEqual([]);
  expect(await run(cwd, ['data.threads=2', 'data.shardChars=4000'])).toEqual(['data', 'tokenizer', 'encode']);
  // An option that changes what the stage writes still counts.
  expect(await run(cwd, ['data.threads=2', 'data.unknownOption=1'])).not.toContain('data');
}, 120_000);

test('changing the seed alone reruns train (and what follows) but not data, tokenizer or encode', async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'cache-seed-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);
  writeFileSync(
    join(cwd, 'llm.config.ts'),
    `import { cleaning, textFiles, shards } from '@kiln/data';
import gpt2 from '@kiln/gpt2';
import tokenizers from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
export default {
  name: 'keys', seed: 3, backend: 'js',
  plugins: [textFiles({ include: 'corpus.txt', split: 'paragraph' }), cleaning(), tokenizers(), shards({ valFraction: 0.1 }), gpt2(), trainer()],
  tokenizer: { type: 'bpe', vocabSize: 300, specialTokens: ['<|endoftext|>'] },
  encode: {},
  model: { architecture: 'gpt2', vocabSize: 300, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
  train: { trainer: 'causal-lm', steps: 2, batchSize: 2, seqLen: 16, evalEvery: 0 },
};
`,
  );
  const shards = () => readFileSync(join(cwd, 'runs/keys/shards/val_000000.bin'));
  const trainLoss = () =>
    JSON.parse(readFileSync(join(cwd, 'runs/keys/state.json'), 'utf8')).stages.train.metrics.loss as number;
  expect(await run(cwd)).toEqual([]);
  const [val3, loss3] = [shards(), trainLoss()];
  expect(await run(cwd, ['seed=4'])).toEqual(['data', 'tokenizer', 'encode']);
  expect(shards().equals(val3)).toBe(true); // the same validation documents under any training seed
  expect(trainLoss()).not.toBe(loss3); // train did run again, from another initialisation
  expect(await run(cwd, ['seed=4'])).toEqual(['data', 'tokenizer', 'encode', 'train']);
}, 120_000);
