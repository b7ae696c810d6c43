// Chinese adaptation of the English quickstart model (run `npx kiln run examples/quickstart` first):
//   collect   Tang poems (全唐诗, chinese-poetry@2.0.1, MIT) + the English SOTU addresses again (replay, so English is kept)
//   clean     NFKC, Traditional → Simplified (OpenCC), CJK-aware quality rules, exact dedup
//   tokenizer the English BPE extended with 4096 new tokens learned on the mix (mostly Chinese characters and words)
//   train     the English model's embeddings grown to the new vocabulary (new rows = mean of their byte pieces),
//             then continued pretraining on the mix
//   eval      bits per byte on held-out Song poems (never seen) and on the held-out 2021 English address
// The English model's numbers on the same texts: KILN_BASELINE=1 npx kiln eval examples/chinese --run-dir examples/chinese/runs/baseline
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@kiln/core';
import { chinesePoetry, cleaning, shards, sotu } from '@kiln/data';
import { perplexity } from '@kiln/eval';
import gpt2 from '@kiln/gpt2';
import report from '@kiln/report';
import tokenizers, { loadTokenizer } from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
import growEmbeddings, { baseModelDir } from './grow-embeddings.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE_RUN = '../quickstart/runs/quickstart';
const HELDOUT = { zh: 'data/heldout-zh.txt', en: '../quickstart/data/heldout-2021.txt' };

export default defineConfig(async ({ env }) => {
  // Baseline: the English model with its own tokenizer, on the same held-out texts.
  const baseline = env.KILN_BASELINE === '1';
  const tokenizer = baseline ? await loadTokenizer(join(HERE, BASE_RUN, 'tokenizer')) : undefined;
  const evaluators = [
    perplexity({ name: 'zh', file: HELDOUT.zh, contextLength: 128, ...(tokenizer && { tokenizer }) }),
    perplexity({ name: 'en', file: HELDOUT.en, contextLength: 128, ...(tokenizer && { tokenizer }) }),
  ];
  return {
    name: baseline ? 'baseline' : 'chinese',
    seed: 1337,
    backend: 'auto',
    plugins: [
      chinesePoetry({ collections: ['tang'], limit: 12000 }),
      sotu({ years: { from: 1950, to: 2020 } }),
      cleaning({ unicode: { form: 'NFKC' }, t2s: { from: 't' }, quality: { minCjkChars: 10 }, language: false, minhashDedup: false, pii: false }),
      tokenizers(),
      shards({ valFraction: 0.01 }),
      gpt2(),
      trainer(),
      growEmbeddings({ baseRun: join(HERE, BASE_RUN), out: 'base-grown' }),
      ...evaluators,
      report(),
    ],
    tokenizer: { type: 'bpe', extend: `${BASE_RUN}/tokenizer`, newTokens: 4096 },
    encode: {},
    model: { architecture: 'gpt2', vocabSize: 8192, context: 128, nLayer: 4, nEmbd: 128, nHead: 4 },
    train: {
      trainer: 'causal-lm',
      initFrom: 'runs/chinese/base-grown',
      steps: 150,
      batchSize: 16,
      seqLen: 128,
      lr: 2e-3,
      evalEvery: 50,
      evalBatches: 8,
    },
    eval: baseline ? { model: await baseModelDir(join(HERE, BASE_RUN)) } : {},
  };
});
