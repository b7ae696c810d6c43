import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { KilnContext } from '@kiln/core';
import {
  chatTemplateFromTokenizerDir,
  checkTemplateTokenizer,
  encodeChatPrompt,
  jinjaTrainingTemplate,
} from '@kiln/finetune';
import { createRng, isHiddenStatesLM, noGrad, tidy } from '@kiln/tensor';
import { RewardModel } from './reward-model.js';
import { completionRows } from './sequences.js';

/** What `rewardModel({ load })` of @kiln/rewards expects: one number per (prompt, completion). */
export interface RewardScorer {
  score(prompt: string, completion: string, ctx: KilnContext): Promise<number>;
}

/**
 * A reward model trained by the align stage (`trainer: 'reward-model'`), as a reward for GRPO:
 *
 *   rewardModel({ name: 'reward-model', load: trainedRewardModel('align/reward-model'), cacheKey: 'align/reward-model' })
 *
 * `dir` is relative to the run directory (where the align stage saved it), or absolute. A completion is scored as the trainer scored its pairs: the
 * prompt as a user turn of the model's own chat template (its tokenizer_config.json and
 * chat-template.json), the reply closed by the template's end of turn, pooled as it was trained.
 * Scores of repeated (prompt, completion) pairs (a group's equal samples) are computed once.
 */
export function trainedRewardModel(
  dir: string,
  o: { cacheSize?: number } = {},
): (ctx: KilnContext) => Promise<RewardScorer> {
  return async (ctx) => {
    const where = `trainedRewardModel(${JSON.stringify(dir)})`;
    const abs = isAbsolute(dir) ? dir : resolve(ctx.runDir.root, dir);
    if (!existsSync(abs))
      throw new Error(`${where}: ${abs} does not exist: train it first (align.trainer 'reward-model')`);
    const loaded = await ctx.hooks.loadModel(abs);
    const body = loaded.model;
    if (!isHiddenStatesLM(body))
      throw new Error(
        `${where}: the ${loaded.architecture.name} model states no hidden() (HiddenStatesLM in @kiln/tensor), so it has no reward head`,
      );
    const rm = await RewardModel.load(body, abs, await ctx.backend(), createRng(0));
    const tokenizer = await ctx.hooks.loadTokenizer(abs);
    const saved = JSON.parse(await readFile(join(abs, 'chat-template.json'), 'utf8').catch(() => '{}')) as {
      endOfTurn?: string;
    };
    const template = jinjaTrainingTemplate(await chatTemplateFromTokenizerDir(abs, tokenizer, saved.endOfTurn));
    checkTemplateTokenizer(template, tokenizer, where);
    const endId = tokenizer.specialTokens[template.endOfTurn];
    const cache = new Map<string, number>();
    const limit = o.cacheSize ?? 100_000;
    return {
      async score(prompt, completion) {
        const key = `${prompt}\u0000${completion}`;
        const hit = cache.get(key);
        if (hit !== undefined) return hit;
        const promptIds = encodeChatPrompt([{ role: 'user', content: prompt }], template, tokenizer);
        const rows = completionRows(
          [{ prompt: promptIds, completion: [...tokenizer.encode(completion), endId] }],
          tokenizer.eosId,
        );
        const [value] = (await noGrad(() =>
          tidy(() => rm.score(rows.ids, rows.T, rows.lengths, [promptIds.length]).toArray()),
        )) as Float32Array;
        if (cache.size >= limit) cache.clear();
        cache.set(key, value);
        return value;
      },
    };
  };
}
