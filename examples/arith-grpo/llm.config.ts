// Pretrain → SFT → GRPO on two-digit addition (sum written least-significant digit first), measured on 500 held-out problems.
//   npx kiln prepare && npx kiln train && npx kiln finetune && npx kiln align
//   npx kiln eval --set eval.model=finetune && npx kiln eval --set eval.model=align   (accuracy with a 95% interval)
// The align stage runs GRPO with an exact-match reward; ALIGN=dpo or ALIGN=reward-model
// runs the other align trainers on preference pairs instead (see README.md).

import align from '@kiln/align';
import { defineConfig, type StageOptions } from '@kiln/core';
import { shards } from '@kiln/data';
import { taskAccuracy } from '@kiln/eval';
import finetune from '@kiln/finetune';
import gpt2 from '@kiln/gpt2';
import { exactMatch } from '@kiln/rewards';
import tokenizers from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
import arithCorpus from './arith-corpus.ts';

const TRAIN_STEPS = 1600;
const SFT_STEPS = 600;
// Each stage starts from the previous stage's final checkpoint (not "the latest model"), so stages rerun alone.
const pretrained = `runs/arith/checkpoints/step-${String(TRAIN_STEPS).padStart(6, '0')}`;
const sft = `runs/arith/finetune/step-${String(SFT_STEPS).padStart(6, '0')}`;

const alignSections: Record<string, StageOptions> = {
  grpo: {
    trainer: 'grpo',
    initFrom: sft,
    data: { prompts: 'data/grpo.jsonl', eval: 'data/heldout.jsonl', evalCount: 500 },
    steps: 300,
    promptsPerStep: 16,
    groupSize: 8,
    maxNewTokens: 6,
    temperature: 1,
    lr: 1e-4,
    beta: 0.02,
    evalEvery: 50,
  },
  dpo: {
    trainer: 'dpo',
    initFrom: sft,
    data: { pairs: 'data/pairs.jsonl', valFraction: 0.2 },
    steps: 60,
    batchSize: 8,
    lr: 1e-4,
    beta: 0.1,
  },
  'reward-model': {
    trainer: 'reward-model',
    initFrom: sft,
    data: { pairs: 'data/pairs.jsonl', valFraction: 0.2 },
    steps: 600,
    batchSize: 16,
    lr: 1e-3,
  },
};

export default defineConfig(({ env }) => {
  const method = env.ALIGN ?? 'grpo';
  if (!alignSections[method])
    throw new Error(`ALIGN=${method}: expected one of ${Object.keys(alignSections).join(', ')}`);
  return {
    name: 'arith',
    seed: 7,
    backend: 'auto',
    plugins: [
      arithCorpus(),
      tokenizers(),
      shards({ valFraction: 0.1 }),
      gpt2(),
      trainer(),
      finetune(),
      align(),
      exactMatch(),
      // Greedy answers to the 500 held-out problems, asked in the model's own chat template.
      taskAccuracy({ name: 'heldout', file: 'data/heldout.jsonl', chat: true, maxTokens: 6 }),
    ],
    // Bytes plus ChatML's special tokens: every digit is one token.
    tokenizer: { type: 'bpe', vocabSize: 259, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] },
    encode: {},
    model: { architecture: 'gpt2', vocabSize: 259, context: 64, nLayer: 3, nEmbd: 96, nHead: 4 },
    train: {
      trainer: 'causal-lm',
      steps: TRAIN_STEPS,
      batchSize: 16,
      seqLen: 64,
      lr: 2e-3,
      warmupSteps: 20,
      evalEvery: 200,
    },
    finetune: {
      trainer: 'sft',
      initFrom: pretrained,
      data: { chat: 'data/sft.jsonl', valFraction: 0.05 },
      steps: SFT_STEPS,
      batchSize: 16,
      seqLen: 64,
      lr: 1e-3,
      evalEvery: 100,
    },
    align: alignSections[method],
    // Which model `kiln eval` measures: the latest (the align stage's) unless --set eval.model=finetune (or 'train').
    eval: {},
  };
});
