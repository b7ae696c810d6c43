// The task: a one-digit number times a four-digit number, every number written least-significant
// digit first (`7*4225` asks 7 × 5224 = 36568 and expects `86563`), drawn into disjoint splits so
// that no held-out problem is seen by any stage. In this order each answer digit needs the
// multiplier (always at the same place), one digit of the multiplicand and the carry of the digit
// just written, which a small model learns in every seed tried (see README.md, "What was tried").
import { multiplication, taskSplits } from '@kiln/tasks';

/** Seed of the problems themselves (not of training): every seed trains and is measured on the same ones. */
export const TASK_SEED = 2026;
export const family = multiplication({ digits: 4, multiplierDigits: 1, littleEndian: true, multiplierFirst: true });

/** pretrain: documents; sft: chat records; grpo: prompts; pairs: preference pairs; heldOut: evaluation only. */
export const SIZES = { pretrain: 40_000, sft: 4_000, grpo: 2_000, pairs: 10_000, heldOut: 500 };
export const splits = () => taskSplits([family], SIZES, TASK_SEED);
