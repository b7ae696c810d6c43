import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import type { KilnContext, StageResult, TokenBatches } from '@kiln/core';
import { type AdamWState, cosineSchedule } from '@kiln/tensor';
import { readOptimizer, saveCheckpoint, stepDirName, type TrainerState, WRITER } from './checkpoint.js';
import { checkpointOwner, ownedResumePoint, removeForeignCheckpoints } from './checkpoint-owner.js';
import { CheckpointSchedule } from './checkpoint-schedule.js';
import { resolveData, type TrainData } from './data.js';
import { replicasFor, rowsPerRank, sameWeights, startTogether } from './distributed/index.js';
import { asCausalLM, type CausalLM } from './model.js';
import type { CausalLmOptions } from './options.js';
import { evaluate, trainStep } from './step.js';
import { withTokenizerIds } from './token-ids.js';

/** Ways to hand the trainer data directly (tests, or a caller with its own loader). */
export interface CausalLmInputs {
  train?: TokenBatches;
  /** A fresh validation sampler per evaluation (so each evaluation sees the same batches). */
  makeVal?: () => TokenBatches;
}

const where = 'kiln:trainer';

/**
 * Causal-LM pretraining, top to bottom like nanoGPT's train.py:
 * config, setup, data, init or resume, schedule, loop.
 */
export async function trainCausalLM(
  o: CausalLmOptions,
  ctx: KilnContext,
  inputs: CausalLmInputs = {},
): Promise<StageResult> {
  // ---- config: the train section, checked by core with causalLmOptionsSchema (index.ts) ----------
  const modelOptions = (ctx.config.model ?? {}) as Record<string, unknown>;
  const archName = String(modelOptions.architecture ?? 'gpt2');
  const ckptRoot = ctx.runDir.path('checkpoints');
  const warmupSteps = o.warmupSteps ?? Math.min(100, Math.floor(o.steps / 10));
  if (warmupSteps > o.steps)
    throw new Error(`${where}: train.warmupSteps (${warmupSteps}) exceeds train.steps (${o.steps})`);

  // ---- setup ----------------------------------------------------------------
  // Under mpirun -np N: data-parallel, rank 0 alone reads and writes the run directory (distributed/).
  const group = ctx.collective;
  const leads = group.rank === 0;
  const rows = rowsPerRank(o.batchSize, group.size, `${where}: train.batchSize`);
  const backend = await ctx.backend();
  const arch = ctx.hooks.architecture(archName);

  // ---- data -----------------------------------------------------------------
  let data: TrainData;
  if (inputs.train) data = { train: inputs.train, makeVal: inputs.makeVal, describe: { source: 'given TokenBatches' } };
  else data = await resolveData(o.data, ctx);
  ctx.logger.info('training data', data.describe);

  // ---- init or resume ----------------------------------------------------------
  // Only a checkpoint this stage run wrote (its fingerprint) is resumed: see checkpoint-owner.ts.
  const owner = checkpointOwner(ctx, 'train');
  const point = leads ? await ownedResumePoint(ckptRoot, o.resume, owner, ctx.logger, 'train') : undefined;
  const resumeDir = point?.dir;
  const resumed: TrainerState | undefined = point?.state;
  const initDir = o.initFrom && (isAbsolute(o.initFrom) ? o.initFrom : resolvePath(ctx.config.root, o.initFrom));
  let model: CausalLM;
  if (resumeDir && resumed) {
    model = await loadModel(arch, resumeDir, backend, ctx);
    ctx.logger.info('resuming', { from: resumeDir, step: resumed.step });
    warnOnChangedOptions(resumed.options, o, ctx);
    if ((resumed.ranks ?? 1) !== group.size)
      throw new Error(
        `${where}: ${resumeDir} was written by a run on ${resumed.ranks ?? 1} rank(s), this one has ${group.size}: resume it with as many (mpirun -np ${resumed.ranks ?? 1}), or start over (kiln run --force)`,
      );
  } else if (initDir) {
    model = await loadModel(arch, initDir, backend, ctx);
    ctx.logger.info('continued pretraining: weights from a checkpoint, fresh optimizer', { from: o.initFrom });
  } else {
    const options = await withTokenizerIds(modelOptions, ctx, where, arch.options);
    model = asCausalLM(await arch.create(options, backend, ctx), `${where}: architecture '${archName}'`);
  }
  const T = o.seqLen ?? model.config?.nPositions;
  if (!T) throw new Error(`${where}: train.seqLen is required (the model does not state its context length)`);
  if (model.config?.nPositions && T > model.config.nPositions) {
    throw new Error(`${where}: train.seqLen ${T} exceeds the model's context (${model.config.nPositions})`);
  }
  if (data.vocabSize && model.config?.vocabSize && model.config.vocabSize < data.vocabSize) {
    throw new Error(
      `${where}: the data needs a vocabulary of ${data.vocabSize}, the model has ${model.config.vocabSize} (model.vocabSize)`,
    );
  }
  const paramMap = model.parameters();
  const params = [...paramMap.values()];
  const adamw = { lr: o.lr, betas: [o.beta1, o.beta2] as [number, number], eps: o.eps, weightDecay: o.weightDecay };
  const replicas = replicasFor(group, paramMap, backend, adamw, o.distributed);
  const opt = replicas.optimizer;
  let step = 0;
  let tokensSeen = 0;
  let optimizerState: { state: AdamWState; path: string } | undefined;
  if (resumed && resumeDir) {
    optimizerState = await readOptimizer(resumeDir, resumed.step);
    data.train.restore(resumed.data);
    ctx.rng.restore(resumed.rng);
    step = resumed.step;
    tokensSeen = resumed.tokens;
    // The killed run may have logged steps after this checkpoint: they are run (and logged) again.
    ctx.metrics.rewind(step);
  } else if (leads) {
    // From step 0: another run's checkpoints go (the weights it starts from stay), and so do the
    // records an interrupted run logged, when core asked to resume it and there was nothing of its own.
    await removeForeignCheckpoints(ckptRoot, owner, ctx.logger, initDir ? [initDir] : []);
    if (o.resume && ctx.stage !== undefined) ctx.metrics.rewind(-1);
  }

  // Every rank starts from rank 0's weights, moments, data position, RNG and step (one process: the moments load).
  ({ step, tokens: tokensSeen } = await startTogether(group, backend, {
    step,
    tokens: tokensSeen,
    named: paramMap,
    optimizer: opt,
    data: data.train,
    dataFacts: data.describe,
    rng: ctx.rng,
    optimizerState: optimizerState?.state,
    source: optimizerState?.path,
  }));

  // ---- schedule -------------------------------------------------------------
  const lrAt = cosineSchedule({ lr: o.lr, warmupSteps, totalSteps: o.steps, minLrRatio: o.minLrRatio });
  const shape = { B: rows, T, gradAccum: o.gradAccum };
  const tokensPerStep = o.batchSize * T * o.gradAccum;

  const checkpoint = async (): Promise<string> => {
    const state: TrainerState = {
      format: 'kiln-trainer-state',
      version: 1,
      writer: WRITER,
      architecture: archName,
      step,
      tokens: tokensSeen,
      rng: ctx.rng.state(),
      data: data.train.state(),
      options: { ...o },
      ...(owner.fingerprint !== undefined && { fingerprint: owner.fingerprint }),
      ...(group.size > 1 && { ranks: group.size }),
    };
    if (!leads) {
      // The others write nothing, but ZeRO-1's sharded moments are gathered with them.
      if (o.distributed?.zero === 1) await opt.state();
      return join(ckptRoot, stepDirName(step));
    }
    const dir = await saveCheckpoint(ckptRoot, model, opt, state);
    ctx.logger.info('checkpoint', { step, dir });
    await ctx.hooks.emitCheckpoint({ stage: 'train', step, dir });
    return dir;
  };
  const validate = async (): Promise<number | undefined> => {
    if (!data.makeVal) return undefined;
    const valLoss = await evaluate(model, data.makeVal(), rows, T, o.evalBatches, replicas);
    // emitEval also appends the record to metrics.jsonl.
    if (leads) await ctx.hooks.emitEval({ stage: 'train', step, metrics: { 'val/loss': valLoss } });
    return valLoss;
  };

  // ---- loop -----------------------------------------------------------------
  ctx.logger.info('training', {
    steps: o.steps,
    from: step,
    batchSize: o.batchSize,
    seqLen: T,
    gradAccum: o.gradAccum,
    tokensPerStep,
    parameters: params.reduce((n, p) => n + p.size, 0),
    backend: backend.info.name,
    ...(group.size > 1 && { ranks: group.size, rowsPerRank: rows, zero: o.distributed?.zero ?? 0, mpi: group.name }),
  });
  const bar = ctx.progress('train', o.steps);
  bar.update(step);
  const startedAt = performance.now();
  const firstStep = step;
  let loss = NaN;
  let valLoss: number | undefined;
  let lastCheckpoint = '';
  let aborted = false;
  const schedule = new CheckpointSchedule(o);
  try {
    while (step < o.steps) {
      // A CPU backend resolves every await at once, so without this the event loop would
      // never turn during training: no Ctrl-C handler, no progress redraw, no timers.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Ranks stop together: a Ctrl-C seen by any of them stops all at this step.
      if (replicas.any(ctx.signal.aborted)) {
        aborted = true;
        break;
      }
      const lr = lrAt(step);
      const t0 = performance.now();
      const r = await trainStep(model, params, opt, data.train, shape, { lr, gradClip: o.gradClip }, replicas);
      const ms = performance.now() - t0;
      step++;
      tokensSeen += tokensPerStep;
      loss = r.loss;
      const tokensPerSecond = (tokensPerStep * 1000) / ms;
      const etaSeconds = ((performance.now() - startedAt) / (step - firstStep) / 1000) * (o.steps - step);
      bar.update(step, {
        loss: loss.toFixed(4),
        'tok/s': Math.round(tokensPerSecond),
        eta: `${Math.round(etaSeconds)}s`,
      });
      // emitStep calls every onStep listener and appends the record to metrics.jsonl (rank 0's alone).
      if (leads)
        await ctx.hooks.emitStep({
          stage: 'train',
          step,
          totalSteps: o.steps,
          loss,
          lr,
          tokensPerSecond,
          gradNorm: r.gradNorm,
          tokens: tokensSeen,
          msPerStep: ms,
        });
      if (o.evalEvery > 0 && step % o.evalEvery === 0 && step < o.steps) valLoss = await validate();
      // Rank 0's clock decides a timed checkpoint for all.
      const due = replicas.fromLeader(schedule.due(step, o.steps));
      if (due) {
        lastCheckpoint = await checkpoint();
        if (leads) await schedule.saved(lastCheckpoint, due);
      }
    }
    // The end of the run, or an abort: always leave a checkpoint to resume from.
    if (!aborted) valLoss = (await validate()) ?? valLoss;
    lastCheckpoint = await checkpoint();
    if (group.size > 1)
      ctx.logger.info(`every rank holds the same weights (sha256 ${await sameWeights(group, backend, paramMap)})`, {
        ranks: group.size,
      });
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const metrics: Record<string, number> = { step, tokens: tokensSeen };
  if (Number.isFinite(loss)) metrics.loss = loss;
  if (valLoss !== undefined) metrics['val/loss'] = valLoss;
  // The loss of the best context-free model of the data: a model that learned anything beats it.
  const entropy = data.describe.unigramEntropy;
  if (typeof entropy === 'number') {
    metrics['data/unigramEntropy'] = entropy;
    if (valLoss !== undefined)
      ctx.logger.info('validation loss vs the unigram entropy of the text', {
        'val/loss': valLoss,
        unigramEntropy: entropy,
      });
  }
  if (step > firstStep) metrics.tokensPerSecond = ((step - firstStep) * tokensPerStep) / seconds;
  if (aborted)
    ctx.logger.warn('training stopped by abort; resume with train.resume = true', { step, checkpoint: lastCheckpoint });
  opt.dispose();
  model.dispose();
  const modelDir = relative(ctx.runDir.root, lastCheckpoint);
  return { metrics, outputs: [modelDir, 'checkpoints/latest'], modelDir, aborted };
}

async function loadModel(
  arch: ReturnType<KilnContext['hooks']['architecture']>,
  dir: string,
  backend: Awaited<ReturnType<KilnContext['backend']>>,
  ctx: KilnContext,
): Promise<CausalLM> {
  if (!arch.load) throw new Error(`${where}: architecture '${arch.name}' cannot load checkpoints`);
  const model = await arch.load(dir, backend, ctx);
  if (!model) throw new Error(`${where}: architecture '${arch.name}' does not recognise the model in ${dir}`);
  return asCausalLM(model, `${where}: ${dir}`);
}

/** Resuming with other shapes or data silently changes the run: say so. */
function warnOnChangedOptions(saved: Record<string, unknown>, now: CausalLmOptions, ctx: KilnContext): void {
  for (const key of ['batchSize', 'seqLen', 'gradAccum', 'lr', 'steps', 'data'] as const) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(now[key])) {
      ctx.logger.warn(`resuming with a different train.${key}`, { checkpoint: saved[key], now: now[key] });
    }
  }
}
