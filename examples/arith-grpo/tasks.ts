// The task of this example, shared by make-data.ts and the pretraining source: a+b with
// operands 0..99, and disjoint splits so held-out problems are never seen in any stage.
import { addition, taskSplits } from '@kiln/tasks';

export const SEED = 2026;
export const family = addition({ minDigits: 1, maxDigits: 2 });
/** pretrain: plain "a+b=c" lines; sft: chat records; grpo: prompts; pairs: preferences; heldOut: evaluation only. */
export const splits = () => taskSplits([family], { pretrain: 3000, sft: 2000, grpo: 1000, pairs: 1000, heldOut: 300 }, SEED);
