import { relative } from 'node:path';
import type { KilnContext, StageResult } from '@kiln/core';
import { noGrad, tidy } from '@kiln/tensor';

import { parseOptions } from '@kiln/finetune';
import { dpoOptionsSchema, type DpoOptions } from './options.js';
import { alignSetup, splitRecords } from './setup.js';
import { readPreferences, type PreferencePair } from './data.js';
import { completionRows, type PromptCompletion } from './sequences.js';
import { backwardTokenGrads, rowSums, spreadRowGrads } from './logprobs.js';
import { tokenLogProbs, type PolicyModel } from './policy.js';
import { dpoLoss, type DpoPairLogps } from './losses.js';
import { optimize } from './loop.js';
import { saveAlignedModel } from './save.js';

const where = 'kiln:align (dpo)';

/** Rows chosen₀, rejected₀, chosen₁, ... for a batch of pairs. */
function pairRows(pairs: readonly PreferencePair[], enc: { prompt(p: PreferencePair): number[]; reply(t: string): number[] }, padId: number) {
  const items: PromptCompletion[] = [];
  for (const p of pairs) {
    const prompt = enc.prompt(p);
    items.push({ prompt, completion: enc.reply(p.chosen) }, { prompt, completion: enc.reply(p.rejected) });
  }
  return completionRows(items, padId);
}

/** Sequence log-probs of each row (chosen/rejected interleaved); on the tape when `record`. */
async function rowLogps(model: PolicyModel, rows: ReturnType<typeof pairRows>) {
  const { nll, logp } = await tokenLogProbs(model, rows.ids, rows.targets, rows.T);
  return { nll, sums: rowSums(logp, rows.lengths.length, rows.T) };
}

export async function trainDpo(rawOptions: Record<string, unknown>, ctx: KilnContext): Promise<StageResult> {
  const o: DpoOptions = parseOptions(dpoOptionsSchema, rawOptions, 'align', where);
  const s = await alignSetup(o, ctx, where);
  const { train, val } = splitRecords(await readPreferences(s.abs(o.data.pairs)), o.data.valFraction, ctx.config.seed, where);
  const policy = (await s.loadPolicy()).model;
  const reference = (await s.loadPolicy()).model; // frozen: only ever run under noGrad
  const enc = { prompt: (p: PreferencePair) => s.encodePrompt(p.prompt), reply: s.encodeReply };
  const pad = s.tokenizer.eosId;
  const refCache = new Map<PreferencePair, [number, number]>();
  const refLogps = async (pairs: readonly PreferencePair[]) => {
    const todo = pairs.filter((p) => !refCache.has(p));
    if (todo.length) {
      const sums = await noGrad(() => tidy(async () => (await rowLogps(reference, pairRows(todo, enc, pad))).sums));
      todo.forEach((p, i) => refCache.set(p, [sums[2 * i], sums[2 * i + 1]]));
    }
    return pairs.map((p) => refCache.get(p)!);
  };
  const order = [...train];
  let cursor = order.length;
  const rng = ctx.rng.fork('kiln:align:dpo');
  const nextBatch = () => {
    const out: PreferencePair[] = [];
    while (out.length < Math.min(o.batchSize, order.length)) {
      if (cursor >= order.length) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        cursor = 0;
      }
      out.push(order[cursor++]);
    }
    return out;
  };
  const evaluate = async () => {
    const ref = await refLogps(val);
    const pol = await noGrad(() => tidy(async () => (await rowLogps(policy, pairRows(val, enc, pad))).sums));
    const pairs: DpoPairLogps[] = val.map((_, i) => ({ policyChosen: pol[2 * i], policyRejected: pol[2 * i + 1], refChosen: ref[i][0], refRejected: ref[i][1] }));
    const r = dpoLoss(pairs, o.beta);
    // The held-out margin log π(chosen) − log π(rejected), and DPO's implicit reward margin.
    const margin = pairs.reduce((a, p) => a + p.policyChosen - p.policyRejected, 0) / pairs.length;
    return { 'val/loss': r.loss, 'val/margin': margin, 'val/rewardMargin': r.margin / o.beta, 'val/accuracy': r.accuracy };
  };
  ctx.logger.info('DPO', { trainPairs: train.length, valPairs: val.length, beta: o.beta });
  const result = await optimize('align', 'dpo', policy.parameters(), o, ctx, async () => {
    const batch = nextBatch();
    const ref = await refLogps(batch);
    return tidy(async () => {
      const rows = pairRows(batch, enc, pad);
      const { nll, sums } = await rowLogps(policy, rows);
      const r = dpoLoss(batch.map((_, i) => ({ policyChosen: sums[2 * i], policyRejected: sums[2 * i + 1], refChosen: ref[i][0], refRejected: ref[i][1] })), o.beta);
      const dRow = batch.flatMap((_, i) => [r.dChosen[i], r.dRejected[i]]);
      backwardTokenGrads(nll, spreadRowGrads(dRow, rows.targets, rows.T));
      return { loss: r.loss, metrics: { rewardMargin: r.margin / o.beta, accuracy: r.accuracy } };
    });
  }, evaluate);
  reference.dispose();
  const dir = await saveAlignedModel(ctx, policy, 'dpo', result.steps, s.tokenizer, s.template);
  policy.dispose();
  const modelDir = relative(ctx.runDir.root, dir);
  return {
    metrics: { ...result.last, 'val/marginBefore': result.first['val/margin'], 'val/accuracyBefore': result.first['val/accuracy'], step: result.steps },
    outputs: [modelDir],
    modelDir,
  };
}
