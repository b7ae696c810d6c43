// The pretraining corpus: one document per problem of the pretrain split, in the layout of
// layout.ts (never an SFT, GRPO, pair or held-out problem).
import type { KilnPlugin } from '@kiln/core';
import { asDocument } from './layout.ts';
import { family, SIZES, splits, TASK_SEED } from './task.ts';

export default function arithCorpus(): KilnPlugin {
  return {
    name: 'example:arith-corpus',
    version: '0.1.0',
    cacheKey: { task: family.name, sizes: SIZES, seed: TASK_SEED },
    source: {
      name: 'arith',
      async *read() {
        let i = 0;
        for (const t of splits().pretrain)
          yield { id: `arith:${i++}`, text: asDocument(t), origin: { source: 'arith' } };
      },
    },
  };
}
