// The finetune and align stages through the real core (config, hooks, run dir), as `kiln finetune` / `kiln align` run them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKiln, createMemoryLogger, type KilnPlugin, type StageResult, type UserConfig } from '@kiln/core';
import finetune from '@kiln/finetune';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { customReward, exactMatch } from '@kiln/rewards';
import { addition, taskSplits, toChat, toJsonl, toPreference, toPrompt } from '@kiln/tasks';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import tokenizers, { saveTokenizer, trainBpe } from '@kiln/tokenizers';
import align from '../src/index.js';

export type TrainingStage = 'finetune' | 'align';

/** Data files and a tiny base model in `root`: sft.jsonl, prompts.jsonl, eval.jsonl, pairs.jsonl, base/. */
export async function writeStageData(root: string): Promise<void> {
  const model = new GPT2(
    { vocabSize: 259, nPositions: 32, nLayer: 1, nEmbd: 16, nHead: 2 },
    new ReferenceBackend(),
    createRng(1),
  );
  await model.save(join(root, 'base'));
  model.dispose();
  const s = taskSplits([addition({ maxDigits: 1 })], { train: 40, val: 10 }, 1);
  writeFileSync(join(root, 'sft.jsonl'), toJsonl(s.train.map(toChat)));
  writeFileSync(join(root, 'prompts.jsonl'), toJsonl(s.train.map(toPrompt)));
  writeFileSync(join(root, 'eval.jsonl'), toJsonl(s.val.map(toPrompt)));
  writeFileSync(join(root, 'pairs.jsonl'), toJsonl(s.train.map((t, i) => toPreference(t, i))));
}

/** A run directory with the ChatML byte tokenizer the stages load (as the tokenizer stage leaves it). */
export async function prepareRunDir(runDir: string): Promise<void> {
  if (existsSync(join(runDir, 'tokenizer'))) return;
  mkdirSync(runDir, { recursive: true });
  const tok = await trainBpe(['x'], { vocabSize: 259, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] });
  await saveTokenizer(tok, join(runDir, 'tokenizer'));
}

export interface StageRun {
  result: StageResult;
  steps: number[];
  losses: number[];
}

/** One stage run; `onStep` sees each step as it is logged, `signal` aborts (Ctrl-C). */
export async function runStage(o: {
  root: string;
  runDir: string;
  stage: TrainingStage;
  section: Record<string, unknown>;
  onStep?: (step: number, loss: number) => void | Promise<void>;
  signal?: AbortSignal;
  /** More plugins (a third-party chat template...). */
  plugins?: KilnPlugin[];
}): Promise<StageRun> {
  const steps: number[] = [];
  const losses: number[] = [];
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
      // An untrained model never gets the answer right: a reward that differs between completions gives GRPO gradients.
      customReward('test:char-codes', (input) => [...input.completion].reduce((a, ch) => a + ch.charCodeAt(0), 0) % 7, {
        // The parent (vitest) and the killed child (tsx) compile the function to different text.
        cacheKey: 'char-codes-mod-7',
      }),
      ...(o.plugins ?? []),
      {
        name: 'test:recorder',
        async onStep(info) {
          steps.push(info.step);
          losses.push(info.loss);
          await o.onStep?.(info.step, info.loss);
        },
      },
    ],
    [o.stage]: o.section,
  };
  const kiln = await createKiln({
    cwd: o.root,
    config,
    runDir: o.runDir,
    command: o.stage,
    logger: createMemoryLogger(),
    signal: o.signal,
  });
  try {
    return { result: (await kiln.run([o.stage]))[o.stage], steps, losses };
  } finally {
    await kiln.close();
  }
}
