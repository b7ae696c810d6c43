import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { KilnContext, StageResult, Tokenizer } from '@kiln/core';
import { AdamW, cosineSchedule, createRng } from '@kiln/tensor';
import { asCausalLM, evaluate, saveCheckpoint, trainStep, type CausalLM, type TrainerState } from '@kiln/trainer';
import { chatTemplateByName, checkTemplateTokenizer, type TrainingChatTemplate } from './chat-template.js';
import { readChatJsonl, type ChatRecord } from './chat-data.js';
import { encodeChat, encodeText, type SftExample } from './sft-example.js';
import { packExamples, PackedBatches } from './packing.js';
import { applyLora, type LoraHandle } from './lora.js';
import { parseOptions, sftOptionsSchema, type SftOptions } from './options.js';
import { writeChatFiles } from './model-files.js';

export const WRITER = 'kiln:finetune@0.1.0';
const where = 'kiln:finetune';

/** Data handed in directly (tests, or a caller that generates records). */
export interface SftInputs {
  records?: ChatRecord[];
  tokenizer?: Tokenizer;
  model?: CausalLM;
}

/** Supervised fine-tuning (instruction tuning or domain adaptation), full or LoRA. */
export async function trainSft(rawOptions: Record<string, unknown>, ctx: KilnContext, inputs: SftInputs = {}): Promise<StageResult> {
  // ---- config ---------------------------------------------------------------
  const o: SftOptions = parseOptions(sftOptionsSchema, rawOptions, 'finetune', where);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.config.root, p));
  const template: TrainingChatTemplate = chatTemplateByName(o.chatTemplate, `${where}: finetune.chatTemplate`);

  // ---- setup: tokenizer (checked against the template), model ----------------
  const tokenizer = inputs.tokenizer ?? (await ctx.hooks.loadTokenizer(o.tokenizer ? abs(o.tokenizer) : undefined));
  if (o.data.chat) checkTemplateTokenizer(template, tokenizer, where);
  const model = inputs.model ?? asCausalLM((await ctx.hooks.loadModel(o.initFrom ? abs(o.initFrom) : undefined)).model, where);
  const T = o.seqLen ?? model.config?.nPositions;
  if (!T) throw new Error(`${where}: finetune.seqLen is required (the model does not state its context length)`);

  // ---- data: tokenize, mask, split, pack ---------------------------------------
  let examples: SftExample[];
  if (o.data.text) {
    const text = await readFile(abs(o.data.text), 'utf8');
    examples = text.split(/\n\s*\n/).filter((p) => p.trim()).map((p) => encodeText(p, tokenizer));
  } else {
    const records = inputs.records ?? (await readChatJsonl(abs(o.data.chat!)));
    examples = records.map((r) => encodeChat(r.messages, template, tokenizer));
  }
  const shuffled = [...examples];
  const rng = createRng(ctx.config.seed);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const nVal = Math.max(1, Math.round(shuffled.length * o.data.valFraction));
  if (shuffled.length - nVal < 1) throw new Error(`${where}: ${shuffled.length} examples are too few to hold out a validation share`);
  const train = packExamples(shuffled.slice(nVal), T, tokenizer.eosId, o.pack);
  const val = packExamples(shuffled.slice(0, nVal), T, tokenizer.eosId, o.pack);
  if (train.truncated + val.truncated > 0) ctx.logger.warn(`${train.truncated + val.truncated} examples are longer than finetune.seqLen (${T}) and were cut`);
  const data = new PackedBatches(train.rows, ctx.config.seed);
  const valRows = Math.min(val.rows.length, 64);
  const valBatch = Math.min(o.batchSize, valRows);
  const makeVal = () => new PackedBatches(val.rows.slice(0, valRows), 0, false);
  ctx.logger.info('finetune data', { examples: examples.length, trainRows: train.rows.length, valExamples: nVal, packed: o.pack, seqLen: T });

  // ---- what trains: every weight, or LoRA adapters ---------------------------
  let lora: LoraHandle | undefined;
  if (o.lora) {
    lora = applyLora(model as unknown as Parameters<typeof applyLora>[0], o.lora, ctx.rng.fork('kiln:finetune:lora'));
    ctx.logger.info('LoRA adapters', { rank: o.lora.rank, alpha: o.lora.alpha ?? 2 * o.lora.rank, layers: lora.layers.length });
  }
  const paramMap = lora ? lora.parameters() : model.parameters();
  const params = [...paramMap.values()];
  const opt = new AdamW(paramMap, { lr: o.lr, betas: [0.9, 0.95], eps: 1e-8, weightDecay: o.weightDecay });
  const warmupSteps = o.warmupSteps ?? Math.min(50, Math.floor(o.steps / 10));
  const lrAt = cosineSchedule({ lr: o.lr, warmupSteps, totalSteps: o.steps, minLrRatio: o.minLrRatio });

  // ---- loop -------------------------------------------------------------------
  const validate = async (step: number) => {
    const valLoss = await evaluate(model, makeVal(), valBatch, T, Math.ceil(valRows / valBatch));
    await ctx.hooks.emitEval({ stage: 'finetune', step, metrics: { 'val/loss': valLoss } });
    return valLoss;
  };
  ctx.logger.info('fine-tuning', { steps: o.steps, batchSize: o.batchSize, trainable: params.reduce((n, p) => n + p.size, 0) });
  const initialValLoss = await validate(0);
  const bar = ctx.progress('finetune', o.steps);
  const started = performance.now();
  let step = 0;
  let loss = NaN;
  let valLoss = initialValLoss;
  try {
    while (step < o.steps) {
      await new Promise<void>((r) => setImmediate(r)); // let Ctrl-C and progress run
      if (ctx.signal.aborted) break;
      const lr = lrAt(step);
      const t0 = performance.now();
      const r = await trainStep(model, params, opt, data, { B: o.batchSize, T, gradAccum: o.gradAccum }, { lr, gradClip: o.gradClip });
      const ms = performance.now() - t0;
      step++;
      loss = r.loss;
      const eta = ((performance.now() - started) / step / 1000) * (o.steps - step);
      bar.update(step, { loss: loss.toFixed(4), eta: `${Math.round(eta)}s` });
      await ctx.hooks.emitStep({ stage: 'finetune', step, totalSteps: o.steps, loss, lr, tokensPerSecond: (r.tokens * 1000) / ms, gradNorm: r.gradNorm, msPerStep: ms });
      if (o.evalEvery > 0 && step % o.evalEvery === 0 && step < o.steps) valLoss = await validate(step);
    }
    valLoss = await validate(step);
  } finally {
    bar.stop();
  }

  // ---- export: LoRA merged into the weights, chat files beside them ------------
  if (lora) await lora.merge();
  const state: TrainerState = {
    format: 'kiln-trainer-state', version: 1, writer: WRITER, architecture: 'gpt2',
    step, tokens: 0, rng: ctx.rng.state(), data: data.state(), options: { ...o },
  };
  const dir = await saveCheckpoint(ctx.runDir.path('finetune'), model, opt, state);
  await writeChatFiles(dir, tokenizer, template, WRITER);
  await ctx.hooks.emitCheckpoint({ stage: 'finetune', step, dir });
  opt.dispose();
  if (!inputs.model) model.dispose();
  const modelDir = relative(ctx.runDir.root, dir);
  const metrics: Record<string, number> = { step, 'val/loss': valLoss, 'val/lossBefore': initialValLoss };
  if (Number.isFinite(loss)) metrics.loss = loss;
  return { metrics, outputs: [modelDir], modelDir };
}
