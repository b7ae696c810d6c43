// Every training stage checkpoints by default, with the same default as pretraining (issue 28 item 5):
// kill -9, an OOM or a power cut must not lose a whole finetune or align stage.
import { dpoOptionsSchema, grpoOptionsSchema, rewardModelOptionsSchema } from '@kiln/align';
import { sftOptionsSchema } from '@kiln/finetune';
import { causalLmOptionsSchema, mlmOptionsSchema } from '@kiln/trainer';
import { expect, test } from 'vitest';

test('train, finetune and align trainers share one checkpoint default, and it is on', () => {
  const defaults = (schema: { parse(v: unknown): unknown }, options: Record<string, unknown>) => {
    const o = schema.parse(options) as { checkpointEvery?: number; checkpointMinutes?: number };
    return { checkpointEvery: o.checkpointEvery, checkpointMinutes: o.checkpointMinutes };
  };
  const pretraining = defaults(causalLmOptionsSchema, {});
  expect(pretraining.checkpointMinutes).toBeGreaterThan(0);
  const others = {
    mlm: defaults(mlmOptionsSchema, {}),
    sft: defaults(sftOptionsSchema, { data: { chat: 'chat.jsonl' } }),
    'reward-model': defaults(rewardModelOptionsSchema, { data: { pairs: 'pairs.jsonl' } }),
    dpo: defaults(dpoOptionsSchema, { data: { pairs: 'pairs.jsonl' } }),
    grpo: defaults(grpoOptionsSchema, { data: { prompts: 'prompts.jsonl' } }),
  };
  for (const [trainer, d] of Object.entries(others)) expect(d, trainer).toEqual(pretraining);
});
