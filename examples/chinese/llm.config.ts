// Chinese adaptation of the English quickstart model (run `npx kiln run examples/quickstart` first):
//   collect   Tang poems (全唐诗, chinese-poetry@2.0.1, MIT) + the English SOTU addresses again (replay, so English is kept)
//   clean     NFKC, Traditional → Simplified (OpenCC), CJK-aware quality rules, exact dedup
//   tokenizer the English BPE extended with 4096 new tokens learned on the mix (mostly Chinese characters and words)
//   train     the English model's embeddings grown to the new vocabulary (new rows = mean of their byte pieces),
//             then continued pretraining on the mix
//   finetune  ChatML tokens added, then SFT on 标题/作者 → poem pairs (data/sft-pairs.jsonl, scripts/make-sft-pairs.ts);
//             10% of the pairs are held out: loss on their answers before vs after SFT
//   eval      bits per byte on held-out Song poems (never seen) and on the held-out 2021 English address
// The English model's numbers on the same texts: KILN_BASELINE=1 npx kiln eval examples/chinese --run-dir examples/chinese/runs/baseline
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@kiln/core';
import { chinesePoetry, cleaning, shards, sotu } from '@kiln/data';
import { perplexity } from '@kiln/eval';
import finetune from '@kiln/finetune';
import gpt2 from '@kiln/gpt2';
import report from '@kiln/report';
import tokenizers, { loadTokenizer } from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
import addChatTokens from './add-chat-tokens.ts';
import growEmbeddings, { baseModelDir } from './grow-embeddings.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE_RUN = '../quickstart/runs/quickstart';
const TRAIN_STEPS = 150;
const SFT_STEPS = 120;
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
      cleaning({
        unicode: { form: 'NFKC' },
        t2s: { from: 't' },
        quality: { minCjkChars: 10 },
        language: false,
        minhashDedup: false,
        pii: false,
      }),
      tokenizers(),
      shards({ valFraction: 0.01 }),
      gpt2(),
      trainer(),
      growEmbeddings({ baseRun: join(HERE, BASE_RUN), out: 'base-grown' }),
      finetune(),
      addChatTokens({
        from: `checkpoints/step-${String(TRAIN_STEPS).padStart(6, '0')}`,
        out: 'sft-base',
        tokens: ['<|im_start|>', '<|im_end|>'],
      }),
      ...evaluators,
      report(),
    ],
    tokenizer: { type: 'bpe', extend: `${BASE_RUN}/tokenizer`, newTokens: 4096 },
    encode: {},
    model: { architecture: 'gpt2', vocabSize: 8192, context: 128, nLayer: 4, nEmbd: 128, nHead: 4 },
    train: {
      trainer: 'causal-lm',
      initFrom: 'runs/chinese/base-grown',
      steps: TRAIN_STEPS,
      batchSize: 16,
      seqLen: 128,
      lr: 2e-3,
      evalEvery: 50,
      evalBatches: 8,
    },
    // Instruction tuning from the continued-pretraining checkpoint (plus the two chat tokens, see add-chat-tokens.ts).
    finetune: {
      trainer: 'sft',
      initFrom: 'runs/chinese/sft-base',
      tokenizer: 'runs/chinese/sft-base',
      data: { chat: 'data/sft-pairs.jsonl', valFraction: 0.1 },
      steps: SFT_STEPS,
      batchSize: 8,
      seqLen: 128,
      // A small learning rate: at 1e-3 (full) or 2e-3 (LoRA r16) 200 steps forgot English (bpb 2.34 → 4.09 / 3.94); 2e-4: 2.61.
      lr: 1e-4,
      evalEvery: 40,
    },
    eval: baseline ? { model: await baseModelDir(join(HERE, BASE_RUN)) } : {},
  };
});
