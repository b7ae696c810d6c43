// The task of this example, shared by make-data.ts and the pretraining source: a+b with
// operands 0..99 written with two digits, the sum with three digits, least-significant
// digit first ("47+38 rev" → "580", i.e. 085), and disjoint splits so held-out problems
// are never seen in any stage.
import { addition, taskSplits } from '@kiln/tasks';

export const SEED = 2026;
export const family = addition({ minDigits: 1, maxDigits: 2, fixedWidth: true, reversed: true });
/** pretrain: plain "a+b rev=c" lines; sft: chat records; grpo: prompts; pairs: preferences; heldOut: evaluation only. */
export const splits = () =>
  taskSplits([family], { pretrain: 4500, sft: 2000, grpo: 1000, pairs: 1000, heldOut: 500 }, SEED);
