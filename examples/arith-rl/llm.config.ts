// Pretrain → SFT → reward model → GRPO guided by it, on 1-digit × 4-digit multiplication written
// least-significant digit first (task.ts), in one layout from pretraining to evaluation (layout.ts).
// The exact-match GRPO and DPO run beside it on the same SFT model, as controls. From this folder:
//   npm run data                          data/*.jsonl (SFT records, GRPO prompts, pairs, held-out problems)
//   npx kiln prepare && npx kiln train && npx kiln finetune
//   ALIGN=reward-model npx kiln align      the reward model, on data/pairs.jsonl (20% held out)
//   ALIGN=grpo-rm npx kiln align           GRPO rewarded by that reward model   → runs/arith/align/grpo-rm
//   ALIGN=grpo-em npx kiln align           GRPO rewarded by exact match         → runs/arith/align/grpo-em
//   ALIGN=dpo npx kiln align               DPO on the same pairs                → runs/arith/align/dpo
//   npx kiln eval --set eval.model=runs/arith/align/grpo-rm   greedy accuracy on the 500 held-out problems
//   npm run sweep                          all of it for 3 seeds, and the table in README.md
import align, { trainedRewardModel } from '@kiln/align';
import { defineConfig, type StageOptions } from '@kiln/core';
import { shards } from '@kiln/data';
import { taskAccuracy } from '@kiln/eval';
import finetune from '@kiln/finetune';
import llama from '@kiln/llama';
import { exactMatch, rewardModel } from '@kiln/rewards';
import tokenizers from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
import arithCorpus from './corpus.ts';
import { arithTemplate } from './layout.ts';

/** The align runs, in the order the sweep runs them (grpo-rm needs the reward model). */
export const ALIGN_RUNS = ['reward-model', 'grpo-rm', 'grpo-em', 'dpo'] as const;
/** Answer tokens a reply may use: five digits and the end of text. */
export const EVAL_MAX_TOKENS = 6;
/** The share of preference pairs the reward model and DPO hold out. */
export const PAIRS_VAL_FRACTION = 0.2;

const RM_DIR = 'align/reward-model'; // in the run directory
// Every align run starts from the SFT model: the finetune stage's, core's default without initFrom.
const common = { chatTemplate: 'arith', evalEvery: 0 };
const grpo = (name: string, reward: string): StageOptions => ({
  ...common,
  trainer: 'grpo',
  name,
  rewards: [reward],
  data: { prompts: 'data/grpo.jsonl' },
  steps: 1000,
  promptsPerStep: 64,
  groupSize: 8,
  maxNewTokens: EVAL_MAX_TOKENS,
  temperature: 1,
  lr: 1e-3,
  beta: 0.02,
});
const alignRuns: Record<(typeof ALIGN_RUNS)[number], StageOptions> = {
  // A language model as reward model (its mean log-probability of the reply), trained on the pairs with the
  // chosen replies' likelihood kept (chosenNll): without it GRPO rewarded by it learned truncated replies.
  'reward-model': {
    ...common,
    trainer: 'reward-model',
    pooling: 'log-likelihood',
    chosenNll: 1,
    data: { pairs: 'data/pairs.jsonl', valFraction: PAIRS_VAL_FRACTION },
    steps: 2000,
    batchSize: 32,
    lr: 1e-3,
  },
  'grpo-rm': grpo('grpo-rm', 'reward-model'),
  'grpo-em': grpo('grpo-em', 'exact-match'),
  dpo: {
    ...common,
    trainer: 'dpo',
    // The reward model's data and budget; chosenNll as for the reward model (RPO): without it DPO lowered
    // the right answers with the wrong ones (pairs differ in one digit) and lost 10-16 points.
    chosenNll: 1,
    data: { pairs: 'data/pairs.jsonl', valFraction: PAIRS_VAL_FRACTION },
    steps: 2000,
    batchSize: 32,
    lr: 1e-3,
    beta: 0.1,
  },
};

export default defineConfig(({ env }) => {
  const method = (env.ALIGN ?? 'grpo-rm') as (typeof ALIGN_RUNS)[number];
  if (!alignRuns[method]) throw new Error(`ALIGN=${method}: expected one of ${ALIGN_RUNS.join(', ')}`);
  return {
    name: 'arith',
    seed: 1,
    backend: 'auto',
    plugins: [
      arithCorpus(),
      tokenizers(),
      shards({ valFraction: 0.01 }),
      llama(),
      trainer(),
      finetune(),
      align(),
      arithTemplate(),
      exactMatch(),
      rewardModel({ load: trainedRewardModel(RM_DIR), cacheKey: RM_DIR }),
      // Greedy answers to the held-out problems, asked in the evaluated model's own chat template.
      taskAccuracy({ name: 'heldout', file: 'data/heldout.jsonl', chat: true, maxTokens: EVAL_MAX_TOKENS }),
    ],
    // Bytes and one special token: every digit is one token.
    tokenizer: { type: 'bpe', vocabSize: 257, specialTokens: ['<|endoftext|>'] },
    encode: { threads: 1 },
    model: {
      architecture: 'llama',
      vocabSize: 257,
      context: 64,
      nLayer: 2,
      nEmbd: 64,
      nHead: 4,
      nKvHead: 4,
      intermediateSize: 192,
    },
    train: { trainer: 'causal-lm', steps: 1500, batchSize: 32, seqLen: 64, lr: 3e-3, warmupSteps: 50, evalEvery: 250 },
    finetune: {
      ...common,
      trainer: 'sft',
      data: { chat: 'data/sft.jsonl', valFraction: 0.05 },
      steps: 400,
      batchSize: 32,
      seqLen: 64,
      lr: 1e-3,
      evalEvery: 100,
    },
    align: alignRuns[method],
    // Which model `kiln eval` measures: the latest unless --set eval.model=<stage or folder>.
    eval: {},
  };
});
