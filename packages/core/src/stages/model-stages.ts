/**
 * Stages over a trained model: eval (every evaluator adds scores →
 * eval/results.json), compress (each compressor takes the previous one's
 * model; the result is saved by its architecture to compress/model) and
 * export (each exporter writes its format under export/<format>/).
 * The model is the run's latest (state.json) unless `<stage>.model` names a directory,
 * or a stage whose model to use (`export: { model: 'train' }`).
 */
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { KilnError } from '../errors.js';
import { ownerOf } from '../hooks-facade.js';
import { guarded } from '../plugin-errors.js';
import { readRunState } from '../run-state.js';
import { type KilnContext, STAGES, type StageName } from '../types.js';
import { WRITER } from '../version.js';
import type { StageDriver } from './driver.js';
import { missingProvider } from './missing-provider.js';

async function loadModel(ctx: KilnContext, stage: 'eval' | 'compress' | 'export') {
  const named = ctx.config[stage]?.model;
  if (named !== undefined && typeof named !== 'string') {
    throw new KilnError(`${stage}.model must be a directory path or a stage name (e.g. 'train')`, { exitCode: 2 });
  }
  if (named !== undefined && (STAGES as readonly string[]).includes(named)) {
    // A stage name: the model that stage produced in this run (e.g. export the f32 model of 'train', not the compressed one).
    const dir = (await readRunState(ctx.runDir)).stages[named as StageName]?.modelDir;
    if (dir === undefined)
      throw new KilnError(`${stage}.model: stage "${named}" has produced no model in ${ctx.runDir.root} yet`, {
        exitCode: 2,
      });
    return ctx.hooks.loadModel(ctx.runDir.path(dir));
  }
  return ctx.hooks.loadModel(named === undefined ? undefined : resolve(ctx.config.root, named));
}

/** Bytes per group of output files (relative to the run directory), grouped by `groupOf`: the summary's sizes. */
async function bytesBy(
  root: string,
  outputs: readonly string[],
  groupOf: (rel: string) => string,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const rel of outputs) {
    const info = await stat(resolve(root, rel)).catch(() => undefined);
    if (!info?.isFile()) continue; // a folder's files are listed on their own
    const key = groupOf(rel);
    out[key] = (out[key] ?? 0) + info.size;
  }
  return out;
}

export const evalStage: StageDriver = {
  check(config, hooks) {
    if (hooks.evaluator.taps.length === 0) throw missingProvider(config, 'evaluator', { stage: 'eval' });
  },
  async run(ctx, hooks) {
    const { model } = await loadModel(ctx, 'eval');
    const scores = await hooks.evaluator.promise({}, model, ctx);
    await ctx.runDir.writeJson('eval/results.json', {
      format: 'kiln-eval-results',
      version: 1,
      writer: WRITER,
      scores,
    });
    ctx.metrics.write({ event: 'eval', ...scores });
    return { metrics: scores, outputs: ['eval/results.json'] };
  },
};

export const compressStage: StageDriver = {
  check(config, hooks) {
    if (hooks.compressor.taps.length === 0) throw missingProvider(config, 'compressor', { stage: 'compress' });
  },
  async run(ctx, hooks) {
    const { model, architecture } = await loadModel(ctx, 'compress');
    const compressed = await hooks.compressor.promise(model, ctx);
    const plugin = ownerOf(hooks.architecture, architecture);
    const dir = ctx.runDir.path('compress/model');
    // The compressed model may be of another class than the one loaded (its quantized engine):
    // the architecture's save writes it, or else the engine's own (the InferenceEngine contract).
    const save = architecture.save
      ? guarded(plugin, 'architecture.save', architecture.name, architecture.save.bind(architecture))
      : (model: unknown, to: string) => ctx.hooks.engine(model, plugin.name).save(to);
    const files = await save(compressed, dir, ctx);
    const outputs = files.map((f) => relative(ctx.runDir.root, resolve(dir, f)));
    return { metrics: await bytesBy(ctx.runDir.root, outputs, () => 'bytes'), outputs, modelDir: 'compress/model' };
  },
};

export const exportStage: StageDriver = {
  check(config, hooks) {
    if (hooks.exporter.taps.length === 0) throw missingProvider(config, 'exporter', { stage: 'export' });
  },
  async run(ctx, hooks) {
    const { model } = await loadModel(ctx, 'export');
    const outDir = ctx.runDir.path('export');
    const files = await hooks.exporter.promise([], model, outDir, ctx);
    const outputs = files.map((f) => relative(ctx.runDir.root, resolve(outDir, f)));
    // Bytes per format folder: export/huggingface/* → huggingface/bytes.
    return {
      metrics: await bytesBy(ctx.runDir.root, outputs, (rel) => `${rel.split(/[\\/]/)[1] ?? 'export'}/bytes`),
      outputs,
    };
  },
};
