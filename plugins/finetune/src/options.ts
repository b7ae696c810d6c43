import { DEFAULT_SEED } from '@kiln/core';
import { z } from 'zod';
import { checkpointOptions } from './resume/options.js';

/** The `finetune:` section for `trainer: 'sft'`, one comment per knob. Unknown keys are errors. */
export const sftOptionsSchema = z.strictObject({
  trainer: z.string().optional(),
  /** Optimizer steps. */
  steps: z.number().int().positive().default(200),
  /** Packed rows per step. */
  batchSize: z.number().int().positive().default(8),
  /** Tokens per packed row; default: the model's context. */
  seqLen: z.number().int().positive().optional(),
  gradAccum: z.number().int().positive().default(1),
  /** Peak learning rate (fine-tuning wants less than pretraining; LoRA more). */
  lr: z.number().positive().default(1e-4),
  minLrRatio: z.number().min(0).max(1).default(0.1),
  warmupSteps: z.number().int().nonnegative().optional(),
  weightDecay: z.number().min(0).default(0),
  gradClip: z.number().min(0).default(1),
  /** Validation loss (assistant tokens only) every N steps (0: only at the end). */
  evalEvery: z.number().int().nonnegative().default(50),
  ...checkpointOptions,
  /** Start from this model directory (relative to the config); default: the run's latest model. */
  initFrom: z.string().min(1).optional(),
  /** Load the tokenizer from this directory (relative to the config); default: the run's tokenizer. */
  tokenizer: z.string().min(1).optional(),
  /** Pack several examples per row (attention and positions stay per example). */
  pack: z.boolean().default(true),
  /**
   * The chat template: 'chatml', 'llama3', 'tokenizer' (the tokenizer directory's own
   * tokenizer_config.json chat_template) or one a plugin adds; saved with the model so generation uses the same.
   */
  chatTemplate: z.string().default('chatml'),
  /** chatTemplate 'tokenizer': the token that ends an assistant turn (default: tokenizer_config.json's eos_token). */
  chatEndOfTurn: z.string().min(1).optional(),
  /**
   * Training data, paths relative to the config: `chat` is JSONL of
   * `{messages}` or `{prompt, response}` records (loss on the assistant's
   * tokens only); `text` is a UTF-8 file for domain adaptation (loss on all).
   */
  data: z
    .strictObject({
      chat: z.string().min(1).optional(),
      text: z.string().min(1).optional(),
      /** Share of examples held out for validation. */
      valFraction: z.number().gt(0).lt(1).default(0.05),
      /** Seed of the held-out choice (default 1337): not the config's seed, so every training seed validates on the same examples. */
      splitSeed: z.number().int().nonnegative().default(DEFAULT_SEED),
    })
    .refine((d) => Boolean(d.chat) !== Boolean(d.text), { message: 'give exactly one of chat or text' }),
  /** Train low-rank adapters instead of every weight; merged into the weights on export. */
  lora: z
    .strictObject({
      rank: z.number().int().positive().default(8),
      alpha: z.number().positive().optional(),
      targets: z.array(z.string()).min(1).default(['c_attn', 'c_proj', 'c_fc']),
    })
    .optional(),
});

export type SftOptions = z.output<typeof sftOptionsSchema>;
export type SftOptionsInput = z.input<typeof sftOptionsSchema>;
