// GRPO rewarded by a reward model the align stage trained (trainedRewardModel + @kiln/rewards' rewardModel),
// with align.rewards choosing it among the configured rewards, and align.name keeping each model apart.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatml, encodeChatPrompt } from '@kiln/finetune';
import { GPT2 } from '@kiln/gpt2';
import { rewardModel } from '@kiln/rewards';
import { createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { loadTokenizer } from '@kiln/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { completionRows, RewardModel, trainedRewardModel } from '../src/index.js';
import { prepareRunDir, runStage, writeStageData } from './stage-helper.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-align-reward-choice-'));
const runDir = join(root, 'run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('GRPO with a trained reward model as its reward', () => {
  it('scores with the reward model alone when align.rewards names it; models go to align/<name>', async () => {
    await writeStageData(root);
    await prepareRunDir(runDir);
    const rm = await runStage({
      root,
      runDir,
      stage: 'align',
      section: {
        trainer: 'reward-model',
        initFrom: 'base',
        data: { pairs: 'pairs.jsonl' },
        steps: 2,
        batchSize: 4,
        name: 'rm',
      },
    });
    expect(rm.result.outputs).toEqual(['align/rm']);
    const rmDir = join(runDir, 'align', 'rm');
    expect(existsSync(join(rmDir, 'reward_head.safetensors'))).toBe(true);

    const seen: number[] = [];
    const stepRewards: number[] = [];
    const scorer = trainedRewardModel('align/rm'); // relative to the run directory
    const rmReward = rewardModel({
      cacheKey: 'align/rm',
      load: async (ctx) => {
        const s = await scorer(ctx);
        return {
          async score(prompt, completion, c) {
            const v = await s.score(prompt, completion, c);
            seen.push(v);
            return v;
          },
        };
      },
    });
    const grpo = await runStage({
      root,
      runDir,
      stage: 'align',
      plugins: [rmReward, { name: 'test:rewards', onStep: (info) => void stepRewards.push(info.reward as number) }],
      section: {
        trainer: 'grpo',
        initFrom: 'base',
        data: { prompts: 'prompts.jsonl' },
        steps: 2,
        promptsPerStep: 2,
        groupSize: 3,
        maxNewTokens: 3,
        rewards: ['reward-model'],
        name: 'grpo-rm',
      },
    });
    expect(grpo.result.modelDir).toBe('align/grpo-rm');
    expect(existsSync(join(runDir, 'align', 'grpo-rm', 'model.safetensors'))).toBe(true);
    // Each step's mean reward is the reward model's alone (exact match and the char-code reward are configured too).
    expect(seen.length).toBe(12);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(stepRewards[0]).toBeCloseTo(mean(seen.slice(0, 6)), 5);
    expect(stepRewards[1]).toBeCloseTo(mean(seen.slice(6)), 5);
  }, 120_000);

  it('scores a completion as the reward-model trainer does (the head on the closing token)', async () => {
    const rmDir = join(runDir, 'align', 'rm');
    const backend = new ReferenceBackend();
    const direct = await RewardModel.load(await GPT2.load(rmDir, backend), rmDir, backend, createRng(0));
    const tokenizer = (await loadTokenizer(rmDir))!;
    const rows = completionRows(
      [
        {
          prompt: encodeChatPrompt([{ role: 'user', content: '3+4' }], chatml, tokenizer),
          completion: [...tokenizer.encode('7'), tokenizer.specialTokens['<|im_end|>']],
        },
      ],
      tokenizer.eosId,
    );
    const [want] = (await noGrad(() =>
      tidy(() => direct.score(rows.ids, rows.T, rows.lengths).toArray()),
    )) as Float32Array;
    direct.dispose();
    let got = Number.NaN;
    await runStage({
      root,
      runDir,
      stage: 'align',
      plugins: [
        {
          name: 'test:probe',
          async onStageStart(_stage, ctx) {
            got = await (await trainedRewardModel(rmDir)(ctx)).score('3+4', '7', ctx);
          },
        },
      ],
      section: {
        trainer: 'reward-model',
        initFrom: 'base',
        data: { pairs: 'pairs.jsonl' },
        steps: 1,
        batchSize: 2,
        name: 'probe',
      },
    });
    expect(got).toBeCloseTo(want, 5);
  }, 120_000);

  it('refuses a reward name no plugin provides, listing the ones there are', async () => {
    await expect(
      runStage({
        root,
        runDir,
        stage: 'align',
        section: {
          trainer: 'grpo',
          initFrom: 'base',
          data: { prompts: 'prompts.jsonl' },
          steps: 1,
          promptsPerStep: 1,
          groupSize: 2,
          rewards: ['exact-macth'],
        },
      }),
    ).rejects.toThrow(
      /align\.rewards names 'exact-macth', but the reward plugins provide: 'exact-match', 'test:char-codes'/,
    );
  }, 60_000);
});
