/**
 * The adapter between plain plugin objects and tapable: every function a
 * plugin supplies is tapped into its hook point with the plugin's name and a
 * stage number. Order = enforce ('pre' < normal < 'post'), then the named
 * stage (CLEAN_STAGE for cleaners), then the plugin's place in the config.
 */
import { isAbsolute, join } from 'node:path';
import { ConfigError, KilnError } from './errors.js';
import { deepMerge } from './config/merge.js';
import { CLEAN_STAGE } from './types.js';
import type { Doc, KilnContext, KilnPlugin, SourceHook, UserConfig } from './types.js';
import type { KilnHooks, TapMeta } from './hooks.js';
import { guarded, pluginFailure } from './plugin-errors.js';
import { contextFor } from './plugin-context.js';
import { isDropped, type SourceManifest } from './stages/data-report.js';

const ENFORCE_OFFSET = { pre: -1_000_000, normal: 0, post: 1_000_000 } as const;

/** Cleaners without a stage are quality filters. */
export const DEFAULT_CLEAN_STAGE = CLEAN_STAGE.FILTER;

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** tapable stage number: enforce dominates, the hook's own stage orders within it. */
export function tapStage(plugin: KilnPlugin, hookStage = 0): number {
  return ENFORCE_OFFSET[plugin.enforce ?? 'normal'] + hookStage;
}

function tapOptions(plugin: KilnPlugin, item?: unknown, hookStage?: number): { name: string; stage: number } & TapMeta {
  return { name: plugin.name, stage: tapStage(plugin, hookStage), plugin, item };
}

/** Reads one source's stream, attributing its failures and counting what it yields. */
async function* readSource(plugin: KilnPlugin, source: SourceHook, ctx: KilnContext, manifest: SourceManifest) {
  let iterator: AsyncIterator<Doc>;
  try {
    iterator = source.read(contextFor(ctx, plugin))[Symbol.asyncIterator]();
  } catch (error) {
    throw pluginFailure(plugin, 'source', source.name, error);
  }
  try {
    for (;;) {
      let next: IteratorResult<Doc>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw pluginFailure(plugin, 'source', source.name, error);
      }
      if (next.done) return;
      const doc = next.value;
      if (typeof doc?.id !== 'string' || typeof doc.text !== 'string' || typeof doc.origin !== 'object') {
        throw new KilnError(`[${plugin.name}] source "${source.name}" yielded a document without id, text and origin`, {
          plugin: plugin.name,
          hook: 'source',
        });
      }
      manifest.record(source.name, plugin.name, doc);
      yield doc;
    }
  } finally {
    await iterator.return?.();
  }
}

async function* concat<T>(first: AsyncIterable<T>, second: AsyncIterable<T>): AsyncIterable<T> {
  yield* first;
  yield* second;
}

function tapData(hooks: KilnHooks, plugin: KilnPlugin): void {
  for (const source of toArray(plugin.source)) {
    hooks.source.tap(tapOptions(plugin, source), (docs, ctx, manifest) =>
      concat(docs, readSource(plugin, source, ctx, manifest)),
    );
  }
  for (const cleaner of toArray(plugin.cleaner)) {
    const stage = cleaner.stage ?? DEFAULT_CLEAN_STAGE;
    const clean = guarded(plugin, 'cleaner', cleaner.rule, cleaner.clean.bind(cleaner));
    hooks.cleaner.tapPromise(tapOptions(plugin, cleaner, stage), async (value, ctx, stats) => {
      if (isDropped(value)) return value;
      const rule = stats.rule(cleaner.rule, plugin.name, stage);
      rule.docsIn++;
      rule.charsIn += value.text.length;
      const out = await clean(value, ctx);
      if (out !== null && typeof out === 'object' && isDropped(out)) {
        stats.recordDrop(rule, value, out);
        return out;
      }
      if (typeof out?.text !== 'string') {
        throw new KilnError(
          `[${plugin.name}] cleaner "${cleaner.rule}" returned neither a document nor ctx.drop(...) for ${value.id}`,
          { plugin: plugin.name, hook: 'cleaner' },
        );
      }
      rule.docsOut++;
      rule.charsOut += out.text.length;
      return out;
    });
    if (cleaner.finish) {
      const finish = guarded(plugin, 'cleaner', cleaner.rule, cleaner.finish.bind(cleaner));
      hooks.cleanerFinish.tapPromise(tapOptions(plugin, cleaner, stage), async (ctx, extras) => {
        const extra = await finish(ctx);
        if (extra) extras[cleaner.rule] = extra;
      });
    }
  }
}

function tapProviders(hooks: KilnHooks, plugin: KilnPlugin): void {
  if (plugin.encoder) {
    const encoder = plugin.encoder;
    hooks.encoder.tap(tapOptions(plugin, encoder), (name) => (name === undefined || name === encoder.name ? encoder : undefined));
  }
  for (const provider of toArray(plugin.tokenizer)) {
    hooks.tokenizer.tap(tapOptions(plugin, provider), (type) =>
      type === undefined || type === provider.name ? provider : undefined,
    );
    hooks.tokenizerLoad.tapPromise(
      tapOptions(plugin, provider),
      guarded(plugin, 'tokenizer.load', provider.name, provider.load.bind(provider)),
    );
  }
  for (const provider of toArray(plugin.architecture)) {
    hooks.architecture.tap(tapOptions(plugin, provider), (name) =>
      name === undefined || name === provider.name ? provider : undefined,
    );
    if (provider.load) {
      const load = guarded(plugin, 'architecture.load', provider.name, provider.load.bind(provider));
      hooks.modelLoad.tapPromise(tapOptions(plugin, provider), async (dir, backend, ctx) => {
        const model = await load(dir, backend, ctx);
        return model === undefined ? undefined : { model, architecture: provider };
      });
    }
  }
  for (const provider of toArray(plugin.trainer)) {
    hooks.trainer.tap(tapOptions(plugin, provider), (name, stage) =>
      provider.stage === stage && (name === undefined || name === provider.name) ? provider : undefined,
    );
  }
  if (plugin.backend) {
    const provider = plugin.backend;
    hooks.backend.tap(tapOptions(plugin, provider), (providers) => [...providers, provider]);
  }
}

function tapModelHooks(hooks: KilnHooks, plugin: KilnPlugin): void {
  for (const reward of toArray(plugin.reward)) {
    const score = guarded(plugin, 'reward', reward.name, reward.score.bind(reward));
    hooks.reward.tapPromise(tapOptions(plugin, reward), async (acc, input, ctx) => {
      const value = await score(input, ctx);
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new KilnError(`[${plugin.name}] reward "${reward.name}" returned ${String(value)}, not a number`, {
          plugin: plugin.name,
          hook: 'reward',
        });
      }
      return { total: acc.total + (reward.weight ?? 1) * value, parts: { ...acc.parts, [reward.name]: value } };
    });
  }
  for (const evaluator of toArray(plugin.evaluator)) {
    const evaluate = guarded(plugin, 'evaluator', evaluator.name, evaluator.evaluate.bind(evaluator));
    hooks.evaluator.tapPromise(tapOptions(plugin, evaluator), async (scores, model, ctx) => ({
      ...scores,
      ...(await evaluate(model, ctx)),
    }));
  }
  for (const compressor of toArray(plugin.compressor)) {
    const compress = guarded(plugin, 'compressor', compressor.name, compressor.compress.bind(compressor));
    hooks.compressor.tapPromise(tapOptions(plugin, compressor), (model, ctx) => compress(model, ctx));
  }
  for (const exporter of toArray(plugin.exporter)) {
    const write = guarded(plugin, 'exporter', exporter.name, exporter.export.bind(exporter));
    hooks.exporter.tapPromise(tapOptions(plugin, exporter), async (files, model, outDir, ctx) => [
      ...files,
      // An exporter writes into export/<format>/ and names its files absolutely or relative to it.
      ...(await write(model, join(outDir, exporter.format), ctx)).map((f) => (isAbsolute(f) ? f : join(exporter.format, f))),
    ]);
  }
}

function tapLifecycle(hooks: KilnHooks, plugin: KilnPlugin): void {
  const p = plugin;
  const opts = tapOptions(p);
  if (p.configResolved) hooks.configResolved.tapPromise(opts, guarded(p, 'configResolved', undefined, p.configResolved.bind(p)));
  if (p.onRunStart) hooks.runStart.tapPromise(opts, guarded(p, 'onRunStart', undefined, p.onRunStart.bind(p)));
  if (p.onStageStart) hooks.stageStart.tapPromise(opts, guarded(p, 'onStageStart', undefined, p.onStageStart.bind(p)));
  if (p.onStageEnd) hooks.stageEnd.tapPromise(opts, guarded(p, 'onStageEnd', undefined, p.onStageEnd.bind(p)));
  if (p.onStep) hooks.step.tapPromise(opts, guarded(p, 'onStep', undefined, p.onStep.bind(p)));
  if (p.onEval) hooks.eval.tapPromise(opts, guarded(p, 'onEval', undefined, p.onEval.bind(p)));
  if (p.onCheckpoint) hooks.checkpoint.tapPromise(opts, guarded(p, 'onCheckpoint', undefined, p.onCheckpoint.bind(p)));
  if (p.onRunEnd) hooks.runEnd.tapPromise(opts, guarded(p, 'onRunEnd', undefined, p.onRunEnd.bind(p)));
}

/** The config hook: sequential, each partial deep-merged; plugins cannot add plugins. */
function tapConfig(hooks: KilnHooks, plugin: KilnPlugin, configFile: string | undefined): void {
  if (!plugin.config) return;
  const configure = guarded(plugin, 'config', undefined, plugin.config.bind(plugin));
  hooks.config.tapPromise(tapOptions(plugin), async (config, env) => {
    const partial = await configure(config, env);
    if (!partial) return config;
    if ('plugins' in partial) {
      throw new ConfigError(
        `[${plugin.name}] config hook returned "plugins": a plugin cannot add plugins; list them in the config file`,
        { file: configFile, field: 'plugins', plugin: plugin.name },
      );
    }
    return deepMerge(config as Record<string, unknown>, partial as Record<string, unknown>) as UserConfig;
  });
}

/** Taps every hook a plugin supplies. */
export function tapPlugin(hooks: KilnHooks, plugin: KilnPlugin, configFile?: string): void {
  tapConfig(hooks, plugin, configFile);
  tapData(hooks, plugin);
  tapProviders(hooks, plugin);
  tapModelHooks(hooks, plugin);
  tapLifecycle(hooks, plugin);
}
