// One layout from pretraining to evaluation: `<|endoftext|>7*4225=` then the answer and
// `<|endoftext|>`. Pretraining documents are `7*4225=86563`, and the encode stage ends every
// document with `<|endoftext|>`, so in the token stream each problem is preceded and followed
// by it: the very tokens the chat template below renders for SFT, GRPO, DPO and the eval.
// (A ChatML layout that only SFT introduces is what left the earlier arith-grpo example
// dependent on the seed: the SFT loss fell at a step between 300 and 1 000.)
import type { ChatTemplateProvider, KilnPlugin } from '@kiln/core';

export const EOT = '<|endoftext|>';

export const ARITH_TEMPLATE: ChatTemplateProvider = {
  name: 'arith',
  specialTokens: [EOT],
  endOfTurn: EOT,
  bosToken: EOT,
  jinja:
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'assistant' %}{{ m['content'] + '<|endoftext|>' }}" +
    "{% else %}{{ m['content'] + '=' }}{% endif %}{% endfor %}",
};

/** The `arith` chat template, named by finetune.chatTemplate and align.chatTemplate. */
export function arithTemplate(): KilnPlugin {
  return { name: 'example:arith-template', version: '0.1.0', cacheKey: ARITH_TEMPLATE, chatTemplate: ARITH_TEMPLATE };
}

/** A problem as a pretraining document (the encode stage adds the closing end-of-text). */
export const asDocument = (t: { prompt: string; answer: string }) => `${t.prompt}=${t.answer}`;
