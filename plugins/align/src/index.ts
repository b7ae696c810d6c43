import type { KilnPlugin, TrainerProvider } from '@kiln/core';
import { dpoOptionsSchema, grpoOptionsSchema, rewardModelOptionsSchema } from './options.js';
import { trainDpo } from './dpo.js';
import { trainGrpo } from './grpo.js';
import { trainRewardModel } from './train-reward-model.js';

export { dpoLoss, grpoLoss, groupAdvantages, pairwiseLoss, sigmoid, softplus, type DpoPairLogps, type GrpoSequence } from './losses.js';
export { tokenNll, rowSums, backwardTokenGrads, spreadRowGrads, type TokenLogProbs } from './logprobs.js';
export { completionRows, type PromptCompletion } from './sequences.js';
export { sampleCompletions, sampleWithLogProbs, policyEngine, type SampleOptions } from './generate.js';
export { tokenLogProbs, asPolicy, type PolicyModel } from './policy.js';
export { RewardModel, HEAD_FILE, type HiddenModel } from './reward-model.js';
export { readPreferences, readPrompts, toPreferencePair, toPromptRecord, type PreferencePair, type PromptRecord } from './data.js';
export { alignSetup, splitRecords, type AlignSetup } from './setup.js';
export { dpoOptionsSchema, grpoOptionsSchema, rewardModelOptionsSchema, type DpoOptions, type GrpoOptions, type RewardModelOptions } from './options.js';
export { trainDpo, trainGrpo, trainRewardModel };
export { scorePrompts } from './grpo.js';

/** `align: { trainer: 'reward-model' | 'dpo' | 'grpo', ... }`. */
export default function align(): KilnPlugin {
  const trainers: TrainerProvider[] = [
    { name: 'reward-model', stage: 'align', options: rewardModelOptionsSchema, run: (o, ctx) => trainRewardModel(o, ctx) },
    { name: 'dpo', stage: 'align', options: dpoOptionsSchema, run: (o, ctx) => trainDpo(o, ctx) },
    { name: 'grpo', stage: 'align', options: grpoOptionsSchema, run: (o, ctx) => trainGrpo(o, ctx) },
  ];
  return { name: 'kiln:align', version: '0.1.0', cacheKey: {} /* no options: its settings are the stage section */, trainer: trainers };
}
