import type { KilnPlugin, TrainerProvider } from '@kiln/core';
import { trainDpo } from './dpo.js';
import { trainGrpo } from './grpo.js';
import {
  type DpoOptions,
  dpoOptionsSchema,
  type GrpoOptions,
  grpoOptionsSchema,
  type RewardModelOptions,
  rewardModelOptionsSchema,
} from './options.js';
import { trainRewardModel } from './train-reward-model.js';

export {
  type PreferencePair,
  type PromptRecord,
  readPreferences,
  readPrompts,
  toPreferencePair,
  toPromptRecord,
} from './data.js';
export { policyEngine, type SampleOptions, sampleCompletions, sampleWithLogProbs } from './generate.js';
export { scorePrompts } from './grpo.js';
export { backwardTokenGrads, rowSums, spreadRowGrads, type TokenLogProbs, tokenNll } from './logprobs.js';
export {
  type DpoPairLogps,
  dpoLoss,
  type GrpoSequence,
  groupAdvantages,
  grpoLoss,
  pairwiseLoss,
  sigmoid,
  softplus,
} from './losses.js';
export {
  type DpoOptions,
  dpoOptionsSchema,
  type GrpoOptions,
  grpoOptionsSchema,
  type RewardModelOptions,
  rewardModelOptionsSchema,
} from './options.js';
export { asPolicy, type PolicyModel, tokenLogProbs } from './policy.js';
export { HEAD_FILE, RewardModel } from './reward-model.js';
export { type RewardScorer, trainedRewardModel } from './reward-scorer.js';
export { chooseRewards, type RewardOf } from './rewards.js';
export { completionRows, type PromptCompletion } from './sequences.js';
export { type AlignSetup, alignSetup, splitRecords } from './setup.js';
export { trainDpo, trainGrpo, trainRewardModel };

/** `align: { trainer: 'reward-model' | 'dpo' | 'grpo', ... }`. */
export default function align(): KilnPlugin {
  const trainers: TrainerProvider[] = [
    {
      name: 'reward-model',
      stage: 'align',
      options: rewardModelOptionsSchema,
      run: (o, ctx) => trainRewardModel(o as RewardModelOptions, ctx),
    },
    { name: 'dpo', stage: 'align', options: dpoOptionsSchema, run: (o, ctx) => trainDpo(o as DpoOptions, ctx) },
    { name: 'grpo', stage: 'align', options: grpoOptionsSchema, run: (o, ctx) => trainGrpo(o as GrpoOptions, ctx) },
  ];
  // Core checks each section with its trainer's schema before it runs: `o` is that schema's output.
  return {
    name: 'kiln:align',
    version: '0.1.0',
    cacheKey: {} /* no options: its settings are the stage section */,
    trainer: trainers,
  };
}
