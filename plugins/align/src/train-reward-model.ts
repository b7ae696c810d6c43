import { relative } from 'node:path';
import type { KilnContext, StageResult } from '@kiln/core';
import { writeChatFiles } from '@kiln/finetune';
import { backward, type HiddenStatesLM, isHiddenStatesLM, noGrad, Tensor, tidy } from '@kiln/tensor';
import { type PreferencePair, readPreferences } from './data.js';
import { EpochOrder, type EpochOrderState } from './epoch-order.js';
import { alignCheckpoints, optimize } from './loop.js';
import { pairwiseLoss } from './losses.js';
import type { RewardModelOptions } from './options.js';
import { RewardModel } from './reward-model.js';
import { ALIGN_WRITER, saveAlignedModel } from './save.js';
import { completionRows, type PromptCompletion } from './sequences.js';
import { alignSetup, splitRecords } from './setup.js';

const where = 'kiln:align (reward-model)';

/** Train a reward model on preference pairs (Bradley–Terry); reports held-out pairwise accuracy. */
/** `o`: the align section, checked by core with rewardModelOptionsSchema (index.ts). */
export async function trainRewardModel(o: RewardModelOptions, ctx: KilnContext): Promise<StageResult> {
  const s = await alignSetup(o, ctx, where);
  const { train, val } = splitRecords(
    await readPreferences(s.abs(o.data.pairs)),
    o.data.valFraction,
    o.data.splitSeed,
    where,
  );
  const start = await s.loadPolicy();
  const checkpoints = alignCheckpoints(ctx, o.name ?? 'reward-model', start.architecture, { ...o });
  const from = await checkpoints.resumePoint(o.resume, ctx.logger, where);
  // The body a reward head reads: a model of the HiddenStatesLM contract (@kiln/tensor).
  const bodyOf = (model: unknown): HiddenStatesLM => {
    if (isHiddenStatesLM(model)) return model;
    throw new Error(
      `${where}: the ${start.architecture} model states no hidden() (HiddenStatesLM in @kiln/tensor), so no reward head can sit on it`,
    );
  };
  let body = bodyOf(start.model);
  const backend = await ctx.backend();
  const headRng = ctx.rng.fork('kiln:align:reward-head');
  let rm: RewardModel;
  if (from) {
    body.dispose();
    body = bodyOf((await s.loadPolicy(from.dir)).model);
    rm = await RewardModel.load(body, from.dir, backend, headRng);
  } else rm = new RewardModel(body, backend, headRng, o.pooling);
  const rows = (pairs: readonly PreferencePair[]) => {
    const items: PromptCompletion[] = [];
    for (const p of pairs) {
      const prompt = s.encodePrompt(p.prompt);
      items.push({ prompt, completion: s.encodeReply(p.chosen) }, { prompt, completion: s.encodeReply(p.rejected) });
    }
    return { ...completionRows(items, s.tokenizer.eosId), starts: items.map((x) => x.prompt.length) };
  };
  const scores = (pairs: readonly PreferencePair[]) => {
    const r = rows(pairs);
    return rm.score(r.ids, r.T, r.lengths, r.starts);
  };
  const split = (v: Float32Array) => ({
    chosen: [...v.filter((_, i) => i % 2 === 0)],
    rejected: [...v.filter((_, i) => i % 2 === 1)],
  });
  const evaluate = async () => {
    const v = (await noGrad(() => tidy(() => scores(val).toArray()))) as Float32Array;
    const { chosen, rejected } = split(v);
    const r = pairwiseLoss(chosen, rejected);
    return { 'val/loss': r.loss, 'val/pairwiseAccuracy': r.accuracy };
  };
  const order = new EpochOrder(train.length, ctx.rng, 'kiln:align:reward-model');
  ctx.logger.info('reward model', { trainPairs: train.length, valPairs: val.length });
  const result = await optimize(
    {
      method: 'reward-model',
      params: rm.parameters(),
      o,
      checkpoints,
      from,
      weights: rm,
      files: (dir) => writeChatFiles(dir, s.tokenizer, s.template, ALIGN_WRITER),
      step: () =>
        tidy(async () => {
          const batch = order.take(Math.min(o.batchSize, train.length)).map((i) => train[i]);
          const out = scores(batch);
          const { chosen, rejected } = split((await out.toArray()) as Float32Array);
          const r = pairwiseLoss(chosen, rejected);
          // 'log-likelihood': the chosen reply's mean NLL too (chosenNll · −score), so the model keeps, and learns
          // from, the right answers while the pairwise loss pushes the wrong ones down.
          const nll = o.pooling === 'log-likelihood' ? o.chosenNll : 0;
          const seed = Tensor.from(
            out.backend,
            Float32Array.from(batch.flatMap((_, k) => [r.dChosen[k] - nll / batch.length, r.dRejected[k]])),
            out.shape,
          );
          backward(out, seed);
          const chosenNll = -chosen.reduce((a, x) => a + x, 0) / chosen.length;
          return {
            loss: r.loss + nll * chosenNll,
            metrics: { accuracy: r.accuracy, ...(nll > 0 && { chosenNll }) },
          };
        }),
      evaluate,
      state: () => order.state(),
      restore: (st) => order.restore(st as EpochOrderState),
    },
    ctx,
  );
  const metrics = {
    ...result.last,
    'val/pairwiseAccuracyBefore': result.first['val/pairwiseAccuracy'],
    step: result.steps,
  };
  if (result.aborted) {
    rm.dispose();
    return { metrics, outputs: result.checkpoint ? [relative(ctx.runDir.root, result.checkpoint)] : [], aborted: true };
  }
  const dir = await saveAlignedModel(ctx, rm, 'reward-model', result.steps, s.tokenizer, s.template, o.name);
  rm.dispose();
  const modelDir = relative(ctx.runDir.root, dir);
  // A reward model is not a policy: leave state.json's modelDir to the policy (no modelDir here).
  return { metrics, outputs: [modelDir], rewardModelDir: modelDir };
}
