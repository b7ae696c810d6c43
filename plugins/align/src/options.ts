import { DEFAULT_SEED } from '@kiln/core';
import { checkpointOptions } from '@kiln/finetune';
import { z } from 'zod';

const common = {
  trainer: z.string().optional(),
  /** Optimizer steps. */
  steps: z.number().int().positive().default(100),
  lr: z.number().positive().default(5e-5),
  warmupSteps: z.number().int().nonnegative().optional(),
  weightDecay: z.number().min(0).default(0),
  gradClip: z.number().min(0).default(1),
  /** Held-out evaluation every N steps (0: only before and after). */
  evalEvery: z.number().int().nonnegative().default(0),
  /** Start from this model directory (relative to the config); default: the run's latest model. */
  initFrom: z.string().min(1).optional(),
  /** The chat template that renders prompts (the one the model was fine-tuned with). */
  chatTemplate: z.string().default('chatml'),
  /** chatTemplate 'tokenizer': the token that ends an assistant turn (default: tokenizer_config.json's eos_token). */
  chatEndOfTurn: z.string().min(1).optional(),
  /**
   * The folder under `<runDir>/align/` for the model and its checkpoints (default: the trainer's
   * name), so two runs of one trainer (GRPO with two rewards) keep both models.
   */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*$/, 'a folder name: letters, digits, _ . -')
    .optional(),
  ...checkpointOptions,
};

const pairsData = z.strictObject({
  /** JSONL of {prompt, chosen, rejected}, relative to the config. */
  pairs: z.string().min(1),
  /** Share held out for evaluation. */
  valFraction: z.number().gt(0).lt(1).default(0.2),
  /** Seed of the held-out choice (default 1337): not the config's seed, so every training seed is measured on the same pairs. */
  splitSeed: z.number().int().nonnegative().default(DEFAULT_SEED),
});

/** `align: { trainer: 'reward-model' }`: a scalar head trained with the Bradley–Terry loss. */
export const rewardModelOptionsSchema = z.strictObject({
  ...common,
  lr: z.number().positive().default(1e-4),
  /** Pairs per step. */
  batchSize: z.number().int().positive().default(8),
  /**
   * How a sequence becomes its reward: a linear head on the closing token ('last-token'), or the
   * model's own mean log-probability of the reply's tokens ('log-likelihood': a language model as
   * reward model, starting from what the starting model already tells apart).
   */
  pooling: z.enum(['last-token', 'log-likelihood']).default('last-token'),
  /**
   * 'log-likelihood' only: weight of the chosen replies' mean negative log-likelihood added to the
   * pairwise loss (as RPO and IRPO add it to DPO): without it the pairwise loss alone can lower the
   * likelihood of right answers too, the readout then preferring odd replies.
   */
  chosenNll: z.number().min(0).default(0),
  data: pairsData,
});

/** `align: { trainer: 'dpo' }`: direct preference optimization against a frozen reference. */
export const dpoOptionsSchema = z.strictObject({
  ...common,
  batchSize: z.number().int().positive().default(8),
  /** Strength of the implicit KL to the reference (DPO's β). */
  beta: z.number().positive().default(0.1),
  /**
   * Weight of the chosen replies' per-token negative log-likelihood added to the DPO loss (RPO, as in
   * Iterative Reasoning Preference Optimization): DPO alone can lower the likelihood of right answers
   * along with the wrong ones when the two differ in one token.
   */
  chosenNll: z.number().min(0).default(0),
  data: pairsData,
});

/** `align: { trainer: 'grpo' }`: groups of sampled completions scored by the reward plugins. */
export const grpoOptionsSchema = z.strictObject({
  ...common,
  lr: z.number().positive().default(1e-5),
  /** Prompts per step; each gets `groupSize` completions. */
  promptsPerStep: z.number().int().positive().default(4),
  groupSize: z.number().int().min(2).default(8),
  maxNewTokens: z.number().int().positive().default(32),
  temperature: z.number().positive().default(1),
  /** KL penalty to the reference model (GRPO's β). */
  beta: z.number().min(0).default(0.04),
  /** PPO clip range ε: the ratio π/π_old is clipped to [1 − ε, 1 + ε] (active from a batch's second update on). */
  clipEps: z.number().positive().default(0.2),
  /**
   * Optimizer steps per batch of rollouts (PPO's epochs, GRPO's μ): 1 samples afresh every step
   * (π_old = π, ratio 1); more reuse each batch, and the clipped ratio keeps the updates near π_old.
   */
  updatesPerBatch: z.number().int().positive().default(1),
  /** Only these reward functions (by name, with their weights), e.g. ['reward-model']; default: every reward plugin. */
  rewards: z.array(z.string().min(1)).min(1).optional(),
  data: z.strictObject({
    /** JSONL of {prompt, meta} for training; meta goes to the reward functions (e.g. meta.answer). */
    prompts: z.string().min(1),
    /** Held-out prompts scored greedily before and after (exact match on meta.answer, and the reward). */
    eval: z.string().min(1).optional(),
    /** How many held-out prompts to score. */
    evalCount: z.number().int().positive().default(100),
  }),
});

export type RewardModelOptions = z.output<typeof rewardModelOptionsSchema>;
export type DpoOptions = z.output<typeof dpoOptionsSchema>;
export type GrpoOptions = z.output<typeof grpoOptionsSchema>;
