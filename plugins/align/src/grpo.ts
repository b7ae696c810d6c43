import { relative } from 'node:path';
import type { KilnContext, StageResult } from '@kiln/core';
import { writeChatFiles } from '@kiln/finetune';
import { IGNORE_INDEX, noGrad, tidy } from '@kiln/tensor';
import { type PromptRecord, readPrompts } from './data.js';
import { EpochOrder, type EpochOrderState } from './epoch-order.js';
import { greedyCompletions, policyEngine, sampleCompletions } from './generate.js';
import { backwardTokenGrads } from './logprobs.js';
import { alignCheckpoints, optimize } from './loop.js';
import { type GrpoSequence, groupAdvantages, grpoLoss } from './losses.js';
import type { GrpoOptions } from './options.js';
import { type PolicyModel, tokenLogProbs } from './policy.js';
import { chooseRewards, type RewardOf } from './rewards.js';
import { ALIGN_WRITER, saveAlignedModel } from './save.js';
import { completionRows } from './sequences.js';
import { type AlignSetup, alignSetup } from './setup.js';

const where = 'kiln:align (grpo)';

/** The completion's text without its stop token. */
function replyText(ids: readonly number[], s: AlignSetup): string {
  const body = ids.length && s.stopIds.includes(ids[ids.length - 1]) ? ids.slice(0, -1) : ids;
  return s.tokenizer.decode(body);
}

/**
 * Greedy replies to held-out prompts, scored two ways: exact match against
 * meta.answer (when present) and the reward (default: every reward plugin, when there are any).
 */
export async function scorePrompts(
  model: PolicyModel,
  records: readonly PromptRecord[],
  s: AlignSetup,
  ctx: KilnContext,
  maxNewTokens: number,
  rewardOf?: RewardOf,
): Promise<{
  exactMatch: number;
  reward: number;
  samples: Array<{ prompt: string; reply: string; answer?: unknown }>;
}> {
  let hits = 0;
  let counted = 0;
  let reward = 0;
  const samples: Array<{ prompt: string; reply: string; answer?: unknown }> = [];
  const rng = ctx.rng.fork('kiln:align:greedy');
  // Every prompt's greedy reply, decoded together (the same tokens as one at a time).
  const replies = await greedyCompletions(
    model,
    records.map((r) => s.encodePrompt(r.prompt)),
    { maxNewTokens, stopIds: s.stopIds, rng, engine: policyEngine(model, ctx.hooks) },
  );
  for (const [k, r] of records.entries()) {
    const reply = replyText(replies[k], s);
    const prompt = r.prompt[r.prompt.length - 1].content;
    if (r.meta?.answer !== undefined) {
      counted++;
      if (reply.trim() === String(r.meta.answer).trim()) hits++;
    }
    if (rewardOf) reward += await rewardOf({ prompt, completion: reply, meta: r.meta });
    else if (ctx.hooks.rewards().length)
      reward += (await ctx.hooks.reward({ prompt, completion: reply, meta: r.meta })).total;
    if (samples.length < 5) samples.push({ prompt, reply, answer: r.meta?.answer });
  }
  return { exactMatch: counted ? hits / counted : NaN, reward: reward / records.length, samples };
}

/**
 * One batch of rollouts: the sequences, their advantages, and the per-token log-probs of the
 * policy that sampled them (π_old) and of the reference, for `updatesPerBatch` updates.
 */
interface Rollouts {
  items: Array<{ prompt: number[]; completion: number[] }>;
  advantages: number[];
  old: number[][];
  ref: number[][];
  reward: number;
}

/**
 * What a GRPO checkpoint keeps besides the weights: the prompt cursor, the sampler's RNG, and
 * the batch still being reused (updatesPerBatch > 1) with how many updates it has had.
 */
interface GrpoState {
  prompts: EpochOrderState;
  sampler: number[];
  batch?: Rollouts;
  used?: number;
}

/** GRPO: sample a group per prompt, reward each completion, push up the better-than-group ones. */
export async function trainGrpo(o: GrpoOptions, ctx: KilnContext): Promise<StageResult> {
  const rewardOf = chooseRewards(o.rewards, ctx, where);
  const s = await alignSetup(o, ctx, where);
  const prompts = await readPrompts(s.abs(o.data.prompts));
  const evalSet = o.data.eval ? (await readPrompts(s.abs(o.data.eval))).slice(0, o.data.evalCount) : [];
  const start = await s.loadPolicy();
  const reference = start.model; // frozen: the KL anchor
  const checkpoints = alignCheckpoints(ctx, o.name ?? 'grpo', start.architecture, { ...o });
  const from = await checkpoints.resumePoint(o.resume, ctx.logger, where);
  const policy = (await s.loadPolicy(from?.dir)).model;
  const rng = ctx.rng.fork('kiln:align:grpo');
  const order = new EpochOrder(prompts.length, ctx.rng, 'kiln:align:grpo-prompts');
  const evaluate = async (): Promise<Record<string, number>> => {
    if (!evalSet.length) return {};
    const r = await scorePrompts(policy, evalSet, s, ctx, o.maxNewTokens, rewardOf);
    ctx.logger.info('held-out samples', { samples: r.samples });
    return { 'val/exactMatch': r.exactMatch, 'val/reward': r.reward };
  };
  ctx.logger.info('GRPO', {
    prompts: prompts.length,
    evalPrompts: evalSet.length,
    groupSize: o.groupSize,
    promptsPerStep: o.promptsPerStep,
    beta: o.beta,
    rewards: o.rewards ?? ctx.hooks.rewards().map((f) => f.name),
  });
  /** Per-token values of each row's completion tokens. */
  const perSeq = (rows: ReturnType<typeof completionRows>, logp: Float32Array) =>
    rows.lengths.map((_, b) => {
      const out: number[] = [];
      for (let t = 0; t < rows.T; t++)
        if (rows.targets[b * rows.T + t] !== IGNORE_INDEX) out.push(logp[b * rows.T + t]);
      return out;
    });
  const frozenLogps = (model: PolicyModel, rows: ReturnType<typeof completionRows>) =>
    noGrad(() => tidy(async () => perSeq(rows, (await tokenLogProbs(model, rows.ids, rows.targets, rows.T)).logp)));
  // ---- rollouts: a group of completions per prompt, each scored by the reward
  const rollout = async (): Promise<Rollouts> => {
    const items: Array<{ prompt: number[]; completion: number[] }> = [];
    const rewards: number[] = [];
    for (const p of order.take(o.promptsPerStep)) {
      const rec = prompts[p];
      const promptIds = s.encodePrompt(rec.prompt);
      const group = await sampleCompletions(policy, promptIds, o.groupSize, {
        maxNewTokens: o.maxNewTokens,
        temperature: o.temperature,
        stopIds: s.stopIds,
        rng,
        engine: policyEngine(policy, ctx.hooks),
      });
      for (const c of group) {
        const completion = c.length ? c : [s.stopIds[0]];
        items.push({ prompt: promptIds, completion });
        rewards.push(
          await rewardOf({
            prompt: rec.prompt[rec.prompt.length - 1].content,
            completion: replyText(completion, s),
            meta: rec.meta,
          }),
        );
      }
    }
    const rows = completionRows(items, s.tokenizer.eosId);
    return {
      items,
      advantages: groupAdvantages(rewards, o.groupSize),
      // With one update per batch π_old is the policy itself (ratio 1): no separate forward.
      old: o.updatesPerBatch > 1 ? await frozenLogps(policy, rows) : [],
      ref: await frozenLogps(reference, rows),
      reward: rewards.reduce((a, b) => a + b, 0) / rewards.length,
    };
  };
  let batch: Rollouts | undefined;
  let used = 0;
  // ---- one policy-gradient update per step; a batch of rollouts serves updatesPerBatch of them (PPO epochs),
  // the ratio π/π_old clipped to [1 − clipEps, 1 + clipEps] from the second on
  const step = async () => {
    if (!batch || used >= o.updatesPerBatch) {
      batch = await rollout();
      used = 0;
    }
    used++;
    const b = batch;
    const rows = completionRows(b.items, s.tokenizer.eosId);
    return tidy(async () => {
      const { nll, logp } = await tokenLogProbs(policy, rows.ids, rows.targets, rows.T);
      const cur = perSeq(rows, logp);
      const seqs: GrpoSequence[] = cur.map((lp, i) => ({
        logp: lp,
        oldLogp: o.updatesPerBatch > 1 ? b.old[i] : lp,
        refLogp: b.ref[i],
        advantage: b.advantages[i],
      }));
      const r = grpoLoss(seqs, { beta: o.beta, clipEps: o.clipEps });
      const dTok = new Float32Array(rows.targets.length);
      b.items.forEach((_, i) => {
        let k = 0;
        for (let t = 0; t < rows.T; t++)
          if (rows.targets[i * rows.T + t] !== IGNORE_INDEX) dTok[i * rows.T + t] = r.dLogp[i][k++];
      });
      backwardTokenGrads(nll, dTok);
      const meanLen = b.items.reduce((a, x) => a + x.completion.length, 0) / b.items.length;
      return {
        loss: r.loss,
        metrics: { reward: b.reward, kl: r.kl, clipFraction: r.clipFraction, completionTokens: meanLen },
      };
    });
  };
  const result = await optimize(
    {
      method: 'grpo',
      params: policy.parameters(),
      o,
      checkpoints,
      from,
      weights: policy,
      step,
      evaluate,
      files: (dir) => writeChatFiles(dir, s.tokenizer, s.template, ALIGN_WRITER),
      state: (): GrpoState => ({
        prompts: order.state(),
        sampler: rng.state(),
        ...(o.updatesPerBatch > 1 && batch && { batch, used }),
      }),
      restore(st) {
        const g = st as GrpoState;
        order.restore(g.prompts);
        rng.restore(g.sampler);
        batch = g.batch;
        used = g.used ?? 0;
      },
    },
    ctx,
  );
  reference.dispose();
  const metrics: Record<string, number> = { step: result.steps, ...result.last };
  for (const [k, v] of Object.entries(result.first)) metrics[`${k}Before`] = v;
  if (result.aborted) {
    policy.dispose();
    return { metrics, outputs: result.checkpoint ? [relative(ctx.runDir.root, result.checkpoint)] : [], aborted: true };
  }
  const dir = await saveAlignedModel(ctx, policy, 'grpo', result.steps, s.tokenizer, s.template, o.name);
  policy.dispose();
  const modelDir = relative(ctx.runDir.root, dir);
  return { metrics, outputs: [modelDir], modelDir };
}
