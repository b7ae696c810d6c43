// finetune and align stages through the real core (config, hooks, run dir), as `kiln finetune` / `kiln align` run them.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger, type StageResult, type UserConfig } from '@kiln/core';
import finetune from '@kiln/finetune';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { exactMatch } from '@kiln/rewards';
import { addition, taskSplits, toChat, toJsonl, toPreference, toPrompt } from '@kiln/tasks';
import { createRng, ReferenceBackend, readSafetensors } from '@kiln/tensor';
import tokenizers, { saveTokenizer, trainBpe } from '@kiln/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import align from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-align-stages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function setup(): Promise<void> {
  const tok = await trainBpe(['x'], { vocabSize: 259, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] });
  await saveTokenizer(tok, join(root, 'run', 'tokenizer'));
  const model = new GPT2(
    { vocabSize: 259, nPositions: 32, nLayer: 1, nEmbd: 16, nHead: 2 },
    new ReferenceBackend(),
    createRng(1),
  );
  await model.save(join(root, 'base'));
  const s = taskSplits([addition({ maxDigits: 1 })], { train: 40, val: 10 }, 1);
  writeFileSync(join(root, 'sft.jsonl'), toJsonl(s.train.map(toChat)));
  writeFileSync(join(root, 'prompts.jsonl'), toJsonl(s.train.map(toPrompt)));
  writeFileSync(join(root, 'eval.jsonl'), toJsonl(s.val.map(toPrompt)));
  writeFileSync(join(root, 'pairs.jsonl'), toJsonl(s.train.map((t, i) => toPreference(t, i))));
}

async function run(
  stage: 'finetune' | 'align',
  section: Record<string, unknown>,
): Promise<{ result: StageResult; steps: number }> {
  let steps = 0;
  const config: UserConfig = {
    name: 'stages',
    seed: 3,
    backend: 'js',
    plugins: [
      gpt2(),
      tokenizers(),
      finetune(),
      align(),
      exactMatch(),
      { name: 'test:count', onStep: () => void steps++ },
    ],
    [stage]: section,
  };
  const kiln = await createKiln({
    cwd: root,
    config,
    runDir: join(root, 'run'),
    command: stage,
    logger: createMemoryLogger(),
  });
  try {
    return { result: (await kiln.run([stage]))[stage], steps };
  } finally {
    await kiln.close();
  }
}

describe('finetune and align stages', () => {
  it('sft (LoRA, merged on export) → reward model → DPO → GRPO, each with metrics', async () => {
    await setup();
    const sft = await run('finetune', {
      trainer: 'sft',
      initFrom: 'base',
      data: { chat: 'sft.jsonl', valFraction: 0.2 },
      steps: 3,
      batchSize: 4,
      seqLen: 32,
      lr: 1e-2,
      lora: { rank: 2 },
      evalEvery: 0,
    });
    expect(sft.steps).toBe(3);
    expect(sft.result.metrics!['val/loss']).toBeLessThan(sft.result.metrics!['val/lossBefore']);
    const sftDir = join(root, 'run', sft.result.modelDir as string);
    const names = [...(await readSafetensors(join(sftDir, 'model.safetensors'))).tensors.keys()];
    expect(names.some((n) => n.includes('lora'))).toBe(false); // merged: a plain GPT-2
    expect(existsSync(join(sftDir, 'tokenizer_config.json'))).toBe(true); // the chat template travels with the model

    const rm = await run('align', {
      trainer: 'reward-model',
      initFrom: sftDir,
      data: { pairs: 'pairs.jsonl' },
      steps: 2,
      batchSize: 4,
    });
    expect(rm.result.metrics!['val/pairwiseAccuracy']).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(root, 'run', 'align', 'reward-model', 'reward_head.safetensors'))).toBe(true);

    const dpo = await run('align', {
      trainer: 'dpo',
      initFrom: sftDir,
      data: { pairs: 'pairs.jsonl' },
      steps: 2,
      batchSize: 4,
    });
    expect(dpo.result.metrics!['val/marginBefore']).toBeTypeOf('number');
    expect(dpo.result.metrics!['val/accuracyBefore']).toBe(0); // policy = reference: no implicit reward yet

    const grpo = await run('align', {
      trainer: 'grpo',
      initFrom: sftDir,
      data: { prompts: 'prompts.jsonl', eval: 'eval.jsonl', evalCount: 3 },
      steps: 2,
      promptsPerStep: 2,
      groupSize: 3,
      maxNewTokens: 3,
    });
    expect(grpo.steps).toBe(2);
    expect(grpo.result.metrics).toHaveProperty('val/exactMatch');
    expect(grpo.result.metrics).toHaveProperty('val/exactMatchBefore');
    expect(existsSync(join(root, 'run', grpo.result.modelDir as string, 'model.safetensors'))).toBe(true);
  }, 120_000);
});
