import { z } from 'zod';
import { checkpointOptions } from './checkpoint-schedule.js';

/**
 * The `train:` section of llm.config.ts for `trainer: 'causal-lm'`, one
 * comment per knob (nanoGPT's train.py style). Unknown keys are errors.
 */
export const causalLmOptionsSchema = z.strictObject({
  trainer: z.string().optional(),
  // ---- how long, how big
  /** Optimizer steps in the whole run (a resumed run continues up to this). */
  steps: z.number().int().positive().default(1000),
  /** Rows per micro-batch (B). Under mpirun the global micro-batch: each of N ranks trains on batchSize/N rows. */
  batchSize: z.number().int().positive().default(8),
  /** Tokens per row (T); default: the model's context length. */
  seqLen: z.number().int().positive().optional(),
  /** Micro-batches per optimizer step: the effective batch is gradAccum·B·T tokens. */
  gradAccum: z.number().int().positive().default(1),
  // ---- optimizer: AdamW, warmup + cosine
  /** Peak learning rate. */
  lr: z.number().positive().default(6e-4),
  /** The cosine ends at lr·minLrRatio (nanoGPT/llm.c: 0.1). */
  minLrRatio: z.number().min(0).max(1).default(0.1),
  /** Linear warmup steps; default min(100, steps/10). */
  warmupSteps: z.number().int().nonnegative().optional(),
  /** Decoupled weight decay (on the parameters the model marks for decay: matrix weights). */
  weightDecay: z.number().min(0).default(0.1),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  eps: z.number().positive().default(1e-8),
  /** Clip the global gradient norm to this (0: no clipping). */
  gradClip: z.number().min(0).default(1.0),
  // ---- evaluation and checkpoints
  /** Validation loss every N steps (0: only at the end). */
  evalEvery: z.number().int().nonnegative().default(100),
  /** Batches of the validation split per evaluation (the same batches every time). */
  evalBatches: z.number().int().positive().default(8),
  /** checkpointEvery (steps), checkpointMinutes (default 10) and resume (from `<runDir>/checkpoints/latest`). */
  ...checkpointOptions,
  /** Continued pretraining: start from the weights in this checkpoint directory (fresh optimizer, step 0). */
  initFrom: z.string().min(1).optional(),
  // ---- many processes: `mpirun -np N kiln train` (see the README); ignored in one process
  distributed: z
    .strictObject({
      /** 1: shard the AdamW moments across the ranks (ZeRO stage 1); 0: every rank keeps them whole. */
      zero: z
        .union([z.literal(0), z.literal(1)], { error: 'must be 0 (off) or 1 (ZeRO stage 1: AdamW moments sharded)' })
        .default(0),
      /** Gradients and weights move between ranks in buckets of this many MiB. */
      bucketMB: z.number().positive().max(1024).default(25),
    })
    .optional(),
  // ---- data
  /**
   * Where batches come from. `text`: a UTF-8 file (relative to the config's
   * directory) read as bytes (tokens 0..255), its last `valFraction` held out.
   * Otherwise token shards written by the encode stage (`kiln prepare`):
   * `shards` is their directory relative to the run directory (default 'shards').
   */
  data: z
    .strictObject({
      text: z.string().min(1).optional(),
      valFraction: z.number().gt(0).lt(1).default(0.1),
      shards: z.string().min(1).optional(),
    })
    .refine((d) => !(d.text && d.shards), { message: 'give either text or shards, not both' })
    .optional(),
});

export type CausalLmOptionsInput = z.input<typeof causalLmOptionsSchema>;
export type CausalLmOptions = z.output<typeof causalLmOptionsSchema>;
