import { relative } from 'node:path';
import type { KilnContext, StageResult } from '@kiln/core';
import { writeChatFiles } from '@kiln/finetune';
import { noGrad, tidy } from '@kiln/tensor';
import { type PreferencePair, readPreferences } from './data.js';
import { EpochOrder, type EpochOrderState } from './epoch-order.js';
import { backwardTokenGrads, rowSums, spreadRowGrads } from './logprobs.js';
import { alignCheckpoints, optimize } from './loop.js';
import { type DpoPairLogps, dpoLoss } from './losses.js';
import type { DpoOptions } from './options.js';
import { type PolicyModel, tokenLogProbs } from './policy.js';
import { ALIGN_WRITER, saveAlignedModel } from './save.js';
import { completionRows, type PromptCompletion } from './sequences.js';
import { alignSetup, splitRecords } from './setup.js';

const where = 'kiln:align (dpo)';

/** Rows chosen₀, rejected₀, chosen₁, ... for a batch of pairs. */
function pairRows(
  pairs: readonly PreferencePair[],
  enc: { prompt(p: PreferencePair): number[]; reply(t: string): number[] },
  padId: number,
) {
  const items: PromptCompletion[] = [];
  for (const p of pairs) {
    const prompt = enc.prompt(p);
    items.push({ prompt, completion: enc.reply(p.chosen) }, { prompt, completion: enc.reply(p.rejected) });
  }
  return {
    ...completionRows(items, padId),
    chosenTokens: items.filter((_, i) => i % 2 === 0).map((x) => x.completion.length),
  };
}

/** Sequence log-probs of each row (chosen/rejected interleaved); on the tape when `record`. */
async function rowLogps(model: PolicyModel, rows: ReturnType<typeof pairRows>) {
  const { nll, logp } = await tokenLogProbs(model, rows.ids, rows.targets, rows.T);
  return { nll, sums: rowSums(logp, rows.lengths.length, rows.T) };
}

/** `o`: the align section, checked by core with dpoOptionsSchema (index.ts). */
export async function trainDpo(o: DpoOptions, ctx: KilnContext): Promise<StageResult> {
  const s = await alignSetup(o, ctx, where);
  const { train, val } = splitRecords(
    await readPreferences(s.abs(o.data.pairs)),
    o.data.valFraction,
    o.data.splitSeed,
    where,
  );
  const start = await s.loadPolicy();
  const checkpoints = alignCheckpoints(ctx, o.name ?? 'dpo', start.architecture, { ...o });
  const from = await checkpoints.resumePoint(o.resume, ctx.logger, where);
  const reference = start.model; // frozen: only ever run under noGrad
  const policy = (await s.loadPolicy(from?.dir)).model;
  const enc = { prompt: (p: PreferencePair) => s.encodePrompt(p.prompt), reply: s.encodeReply };
  const pad = s.tokenizer.eosId;
  // Reference log-probs of every pair, once, in fixed chunks: a resumed run computes the very same numbers.
  const refOf = new Map<PreferencePair, [number, number]>();
  for (const part of [train, val]) {
    for (let i = 0; i < part.length; i += o.batchSize) {
      const chunk = part.slice(i, i + o.batchSize);
      const sums = await noGrad(() => tidy(async () => (await rowLogps(reference, pairRows(chunk, enc, pad))).sums));
      chunk.forEach((p, k) => refOf.set(p, [sums[2 * k], sums[2 * k + 1]]));
    }
  }
  reference.dispose();
  const ref = (pairs: readonly PreferencePair[]) => pairs.map((p) => refOf.get(p)!);
  const order = new EpochOrder(train.length, ctx.rng, 'kiln:align:dpo');
  const evaluate = async () => {
    const r0 = ref(val);
    const pol = await noGrad(() => tidy(async () => (await rowLogps(policy, pairRows(val, enc, pad))).sums));
    const pairs: DpoPairLogps[] = val.map((_, i) => ({
      policyChosen: pol[2 * i],
      policyRejected: pol[2 * i + 1],
      refChosen: r0[i][0],
      refRejected: r0[i][1],
    }));
    const r = dpoLoss(pairs, o.beta);
    // The held-out margin log π(chosen) − log π(rejected), and DPO's implicit reward margin.
    const margin = pairs.reduce((a, p) => a + p.policyChosen - p.policyRejected, 0) / pairs.length;
    return {
      'val/loss': r.loss,
      'val/margin': margin,
      'val/rewardMargin': r.margin / o.beta,
      'val/accuracy': r.accuracy,
    };
  };
  ctx.logger.info('DPO', { trainPairs: train.length, valPairs: val.length, beta: o.beta, chosenNll: o.chosenNll });
  const result = await optimize(
    {
      method: 'dpo',
      params: policy.parameters(),
      o,
      checkpoints,
      from,
      weights: policy,
      files: (dir) => writeChatFiles(dir, s.tokenizer, s.template, ALIGN_WRITER),
      async step() {
        const batch = order.take(Math.min(o.batchSize, train.length)).map((i) => train[i]);
        const r0 = ref(batch);
        return tidy(async () => {
          const rows = pairRows(batch, enc, pad);
          const { nll, sums } = await rowLogps(policy, rows);
          const r = dpoLoss(
            batch.map((_, i) => ({
              policyChosen: sums[2 * i],
              policyRejected: sums[2 * i + 1],
              refChosen: r0[i][0],
              refRejected: r0[i][1],
            })),
            o.beta,
          );
          // chosenNll (RPO): α · mean over pairs of −log π(chosen)/|chosen|, whose derivative by a chosen row's sum is −α/(B·|chosen|).
          const perToken = batch.map((_, i) => -sums[2 * i] / rows.chosenTokens[i]);
          const dRow = batch.flatMap((_, i) => [
            r.dChosen[i] - o.chosenNll / (batch.length * rows.chosenTokens[i]),
            r.dRejected[i],
          ]);
          backwardTokenGrads(nll, spreadRowGrads(dRow, rows.targets, rows.T));
          const chosenNll = perToken.reduce((a, x) => a + x, 0) / batch.length;
          return {
            loss: r.loss + o.chosenNll * chosenNll,
            metrics: { rewardMargin: r.margin / o.beta, accuracy: r.accuracy, ...(o.chosenNll > 0 && { chosenNll }) },
          };
        });
      },
      evaluate,
      state: () => order.state(),
      restore: (st) => order.restore(st as EpochOrderState),
    },
    ctx,
  );
  const metrics = {
    ...result.last,
    'val/marginBefore': result.first['val/margin'],
    'val/accuracyBefore': result.first['val/accuracy'],
    step: result.steps,
  };
  if (result.aborted) {
    policy.dispose();
    return { metrics, outputs: result.checkpoint ? [relative(ctx.runDir.root, result.checkpoint)] : [], aborted: true };
  }
  const dir = await saveAlignedModel(ctx, policy, 'dpo', result.steps, s.tokenizer, s.template, o.name);
  policy.dispose();
  const modelDir = relative(ctx.runDir.root, dir);
  return { metrics, outputs: [modelDir], modelDir };
}
