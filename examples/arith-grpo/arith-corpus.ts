// The pretraining corpus: documents of 50 "a+b rev=c" lines (never a held-out or preference-pair problem).
import type { KilnPlugin } from '@kiln/core';
import { splits } from './tasks.ts';

export default function arithCorpus(): KilnPlugin {
  return {
    name: 'example:arith-corpus',
    source: {
      name: 'arith',
      async *read() {
        const s = splits();
        const lines = [...s.pretrain, ...s.sft, ...s.grpo].map((t) => `${t.prompt}=${t.answer}`);
        for (let i = 0; i < lines.length; i += 50) {
          yield { id: `arith:${i / 50}`, text: lines.slice(i, i + 50).join('\n'), origin: { source: 'arith' } };
        }
      },
    },
  };
}
