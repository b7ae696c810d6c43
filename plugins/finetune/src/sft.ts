import { isAbsolute, relative, resolve } from 'node:path';
import type { KilnContext, StageResult, Tokenizer } from '@kiln/core';
import { AdamW, cosineSchedule, isAdaptableLM } from '@kiln/tensor';
import { asCausalLM, type CausalLM, evaluate, saveCheckpoint, type TrainerState, trainStep } from '@kiln/trainer';
import { resolveChatTemplate } from './chat/resolve.js';
import type { ChatRecord } from './chat-data.js';
import { checkTemplateTokenizer, type TrainingChatTemplate } from './chat-template.js';
import { applyLora, type LoraHandle } from './lora.js';
import { loadLoraWeights, loraWeights } from './lora-files.js';
import { writeChatFiles } from './model-files.js';
import type { SftOptions } from './options.js';
import { PackedBatches } from './packing.js';
import { runResumableLoop } from './resume/loop.js';
import { StageCheckpoints } from './resume/stage-checkpoints.js';
import { prepareSftData } from './sft-data.js';

export const WRITER = 'kiln:finetune@0.1.0';
const where = 'kiln:finetune';

/** Data handed in directly (tests, or a caller that generates records). */
export interface SftInputs {
  records?: ChatRecord[];
  tokenizer?: Tokenizer;
  model?: CausalLM;
}

/** Supervised fine-tuning (instruction tuning or domain adaptation), full or LoRA, resumable. */
export async function trainSft(o: SftOptions, ctx: KilnContext, inputs: SftInputs = {}): Promise<StageResult> {
  // ---- config: the finetune section, checked by core with sftOptionsSchema (index.ts) ------------
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.config.root, p));

  // ---- setup: tokenizer and chat template (checked against each other), model or resume ---------
  const tokenizerDir = o.tokenizer ? abs(o.tokenizer) : ctx.runDir.path('tokenizer');
  const tokenizer = inputs.tokenizer ?? (await ctx.hooks.loadTokenizer(tokenizerDir));
  const template: TrainingChatTemplate = await resolveChatTemplate(o.chatTemplate, ctx, {
    tokenizer,
    tokenizerDir,
    field: `${where}: finetune.chatTemplate`,
    endOfTurn: o.chatEndOfTurn,
  });
  if (o.data.chat) checkTemplateTokenizer(template, tokenizer, where);
  const checkpoints = new StageCheckpoints(ctx.runDir.path('finetune', 'checkpoints'), 'gpt2', WRITER, { ...o }, ctx);
  const from = inputs.model ? undefined : await checkpoints.resumePoint(o.resume, ctx.logger, where);
  // A full fine-tune resumes from the checkpoint's weights; LoRA from the base model and the saved adapters.
  const loadFrom = from && !o.lora ? from.dir : o.initFrom ? abs(o.initFrom) : undefined;
  let model: CausalLM;
  let architecture = 'gpt2';
  if (inputs.model) model = inputs.model;
  else {
    const loaded = await ctx.hooks.loadModel(loadFrom);
    model = asCausalLM(loaded.model, where);
    architecture = loaded.architecture.name;
  }
  const T = o.seqLen ?? model.config?.nPositions;
  if (!T) throw new Error(`${where}: finetune.seqLen is required (the model does not state its context length)`);

  // ---- data: tokenize, mask, split, pack ---------------------------------------
  const data = await prepareSftData(o, T, tokenizer, template, ctx, abs, where, inputs.records);
  const valBatch = Math.min(o.batchSize, data.valRows.length);
  const makeVal = () => new PackedBatches(data.valRows, 0, false);

  // ---- what trains: every weight, or LoRA adapters ---------------------------
  let lora: LoraHandle | undefined;
  if (o.lora) {
    if (!isAdaptableLM(model))
      throw new Error(
        `${where}: finetune.lora: the ${architecture} model states no dense layers (AdaptableLM.linearLayers in @kiln/tensor), so LoRA cannot adapt it`,
      );
    lora = applyLora(model, o.lora, ctx.rng.fork('kiln:finetune:lora'));
    if (from) await loadLoraWeights(lora, from.dir);
    ctx.logger.info('LoRA adapters', {
      rank: o.lora.rank,
      alpha: o.lora.alpha ?? 2 * o.lora.rank,
      layers: lora.layers.length,
    });
  }
  const paramMap = lora ? lora.parameters() : model.parameters();
  const params = [...paramMap.values()];
  const opt = new AdamW(paramMap, { lr: o.lr, betas: [0.9, 0.95], eps: 1e-8, weightDecay: o.weightDecay });
  const warmupSteps = o.warmupSteps ?? Math.min(50, Math.floor(o.steps / 10));
  const lrAt = cosineSchedule({ lr: o.lr, warmupSteps, totalSteps: o.steps, minLrRatio: o.minLrRatio });

  // ---- loop -------------------------------------------------------------------
  ctx.logger.info('fine-tuning', {
    steps: o.steps,
    batchSize: o.batchSize,
    trainable: params.reduce((n, p) => n + p.size, 0),
  });
  const result = await runResumableLoop(
    {
      stage: 'finetune',
      label: 'finetune',
      steps: o.steps,
      lrAt,
      evalEvery: o.evalEvery,
      checkpointEvery: o.checkpointEvery,
      checkpointMinutes: o.checkpointMinutes,
      checkpoints,
      opt,
      weights: lora ? loraWeights(lora, WRITER) : model,
      step: (_, lr) =>
        trainStep(
          model,
          params,
          opt,
          data.train,
          { B: o.batchSize, T, gradAccum: o.gradAccum },
          { lr, gradClip: o.gradClip },
        ),
      evaluate: async () => ({
        'val/loss': await evaluate(model, makeVal(), valBatch, T, Math.ceil(data.valRows.length / valBatch)),
      }),
      state: () => data.train.state(),
      restore: (s) => data.train.restore(s),
      files: (dir) => writeChatFiles(dir, tokenizer, template, WRITER),
    },
    ctx,
    from,
  );
  const metrics: Record<string, number> = {
    step: result.steps,
    'val/loss': result.last['val/loss'],
    'val/lossBefore': result.first['val/loss'],
  };
  if (Number.isFinite(result.loss)) metrics.loss = result.loss;
  if (result.aborted) {
    opt.dispose();
    if (!inputs.model) model.dispose();
    const outputs = result.checkpoint ? [relative(ctx.runDir.root, result.checkpoint)] : [];
    return { metrics, outputs, aborted: true };
  }

  // ---- export: LoRA merged into the weights, chat files beside them ------------
  if (lora) await lora.merge();
  const state: TrainerState = {
    format: 'kiln-trainer-state',
    version: 1,
    writer: WRITER,
    architecture,
    step: result.steps,
    tokens: result.tokens,
    rng: ctx.rng.state(),
    data: data.train.state(),
    options: { ...o },
  };
  const dir = await saveCheckpoint(ctx.runDir.path('finetune'), model, opt, state, (tmp) =>
    writeChatFiles(tmp, tokenizer, template, WRITER),
  );
  await ctx.hooks.emitCheckpoint({ stage: 'finetune', step: result.steps, dir });
  opt.dispose();
  if (!inputs.model) model.dispose();
  const modelDir = relative(ctx.runDir.root, dir);
  return { metrics, outputs: [modelDir], modelDir };
}
