/**
 * The adapter between plain plugin objects and tapable: every function a
 * plugin supplies is tapped into its hook point with the plugin's name and a
 * stage number. Order = enforce ('pre' < normal < 'post'), then the named
 * stage (CLEAN_STAGE for cleaners), then the plugin's place in the config.
 */
import { isAbsolute, join } from 'node:path';
import { deepMerge } from './config/merge.js';
import { ConfigError, KilnError } from './errors.js';
import { HOOK_NAMES, type HookName, type KilnHooks, type TapMeta } from './hooks.js';
import { contextFor } from './plugin-context.js';
import { guarded, pluginFailure } from './plugin-errors.js';
import type { SourceManifest } from './stages/data-report.js';
import { cleaningStep } from './stages/data-step.js';
import type { Doc, KilnContext, KilnPlugin, SourceHook, UserConfig } from './types.js';
import { CLEAN_STAGE } from './types.js';

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

/** Taps one plugin's value of hook K into its hook points. */
type Tapper<K extends HookName> = (
  hooks: KilnHooks,
  plugin: KilnPlugin,
  value: NonNullable<KilnPlugin[K]>,
  configFile: string | undefined,
) => void;

/** Every one of a plugin's lifecycle listeners is tapped the same way: all run at once, failures name the plugin. */
function listener<A extends unknown[]>(
  point: (hooks: KilnHooks) => {
    tapPromise(options: ReturnType<typeof tapOptions>, fn: (...args: A) => Promise<void>): void;
  },
  hook: string,
) {
  return (hooks: KilnHooks, plugin: KilnPlugin, fn: (...args: A) => unknown) =>
    point(hooks).tapPromise(tapOptions(plugin), async (...args: A) => {
      await guarded(plugin, hook, undefined, fn.bind(plugin))(...args);
    });
}

/** How each hook is tapped: keyed by the same names as HOOKS, so a hook without a tapper does not compile. */
const TAPPERS: { [K in HookName]: Tapper<K> } = {
  config: (hooks, plugin, configure, configFile) => tapConfig(hooks, plugin, configure, configFile),
  configResolved: listener((h) => h.configResolved, 'configResolved'),
  source(hooks, plugin, value) {
    for (const source of toArray(value)) {
      hooks.source.tap(tapOptions(plugin, source), (docs, ctx, manifest) =>
        concat(docs, readSource(plugin, source, ctx, manifest)),
      );
    }
  },
  cleaner: tapCleaners,
  dataRunner(hooks, plugin, runner) {
    hooks.dataRunner.tap(tapOptions(plugin, runner), (name) =>
      name === undefined || name === runner.name ? runner : undefined,
    );
  },
  encoder(hooks, plugin, encoder) {
    hooks.encoder.tap(tapOptions(plugin, encoder), (name) =>
      name === undefined || name === encoder.name ? encoder : undefined,
    );
  },
  tokenizer(hooks, plugin, value) {
    for (const provider of toArray(value)) {
      hooks.tokenizer.tap(tapOptions(plugin, provider), (type) =>
        type === undefined || type === provider.name ? provider : undefined,
      );
      hooks.tokenizerLoad.tapPromise(
        tapOptions(plugin, provider),
        guarded(plugin, 'tokenizer.load', provider.name, provider.load.bind(provider)),
      );
    }
  },
  architecture(hooks, plugin, value) {
    for (const provider of toArray(value)) {
      hooks.architecture.tap(tapOptions(plugin, provider), (name) =>
        name === undefined || name === provider.name ? provider : undefined,
      );
      if (!provider.load) continue;
      const load = guarded(plugin, 'architecture.load', provider.name, provider.load.bind(provider));
      hooks.modelLoad.tapPromise(tapOptions(plugin, provider), async (dir, backend, ctx) => {
        const model = await load(dir, backend, ctx);
        return model === undefined ? undefined : { model, architecture: provider };
      });
    }
  },
  trainer(hooks, plugin, value) {
    for (const provider of toArray(value)) {
      hooks.trainer.tap(tapOptions(plugin, provider), (name, stage) =>
        provider.stage === stage && (name === undefined || name === provider.name) ? provider : undefined,
      );
    }
  },
  command(hooks, plugin, value) {
    hooks.command.tap(tapOptions(plugin), (list) => [
      ...list,
      ...toArray(value).map((command) => ({ plugin: plugin.name, command })),
    ]);
  },
  chatTemplate(hooks, plugin, value) {
    for (const template of toArray(value))
      hooks.chatTemplate.tap(tapOptions(plugin, template), (name) => (name === template.name ? template : undefined));
  },
  backend(hooks, plugin, provider) {
    hooks.backend.tap(tapOptions(plugin, provider), (providers) => [...providers, provider]);
  },
  reward(hooks, plugin, value) {
    for (const reward of toArray(value)) {
      const score = guarded(plugin, 'reward', reward.name, reward.score.bind(reward));
      hooks.reward.tapPromise(tapOptions(plugin, reward), async (acc, input, ctx) => {
        const points = await score(input, ctx);
        if (typeof points !== 'number' || Number.isNaN(points)) {
          throw new KilnError(`[${plugin.name}] reward "${reward.name}" returned ${String(points)}, not a number`, {
            plugin: plugin.name,
            hook: 'reward',
          });
        }
        return { total: acc.total + (reward.weight ?? 1) * points, parts: { ...acc.parts, [reward.name]: points } };
      });
    }
  },
  evaluator(hooks, plugin, value) {
    for (const evaluator of toArray(value)) {
      const evaluate = guarded(plugin, 'evaluator', evaluator.name, evaluator.evaluate.bind(evaluator));
      hooks.evaluator.tapPromise(tapOptions(plugin, evaluator), async (scores, model, ctx) => ({
        ...scores,
        ...(await evaluate(model, ctx)),
      }));
    }
  },
  compressor(hooks, plugin, value) {
    for (const compressor of toArray(value)) {
      const compress = guarded(plugin, 'compressor', compressor.name, compressor.compress.bind(compressor));
      hooks.compressor.tapPromise(tapOptions(plugin, compressor), (model, ctx) => compress(model, ctx));
    }
  },
  exporter(hooks, plugin, value) {
    for (const exporter of toArray(value)) {
      const write = guarded(plugin, 'exporter', exporter.name, exporter.export.bind(exporter));
      hooks.exporter.tapPromise(tapOptions(plugin, exporter), async (files, model, outDir, ctx) => [
        ...files,
        // An exporter writes into export/<format>/ and names its files absolutely or relative to it.
        ...(await write(model, join(outDir, exporter.format), ctx)).map((f) =>
          isAbsolute(f) ? f : join(exporter.format, f),
        ),
      ]);
    }
  },
  onRunStart: listener((h) => h.runStart, 'onRunStart'),
  onStageStart: listener((h) => h.stageStart, 'onStageStart'),
  onStageEnd: listener((h) => h.stageEnd, 'onStageEnd'),
  onStep: listener((h) => h.step, 'onStep'),
  onEval: listener((h) => h.eval, 'onEval'),
  onCheckpoint: listener((h) => h.checkpoint, 'onCheckpoint'),
  onRunEnd: listener((h) => h.runEnd, 'onRunEnd'),
};

function tapCleaners(hooks: KilnHooks, plugin: KilnPlugin, value: NonNullable<KilnPlugin['cleaner']>): void {
  for (const cleaner of toArray(value)) {
    const stage = cleaner.stage ?? DEFAULT_CLEAN_STAGE;
    const step = cleaningStep(plugin, cleaner, stage);
    hooks.cleaner.tap(tapOptions(plugin, cleaner, stage), (chain) => [...chain, step]);
  }
}

/** The config hook: sequential, each partial deep-merged; plugins cannot add plugins. */
function tapConfig(
  hooks: KilnHooks,
  plugin: KilnPlugin,
  config: NonNullable<KilnPlugin['config']>,
  configFile: string | undefined,
): void {
  const configure = guarded(plugin, 'config', undefined, config.bind(plugin));
  hooks.config.tapPromise(tapOptions(plugin), async (current, env) => {
    const partial = await configure(current, env);
    if (!partial) return current;
    if ('plugins' in partial) {
      throw new ConfigError(
        `[${plugin.name}] config hook returned "plugins": a plugin cannot add plugins; list them in the config file`,
        { file: configFile, field: 'plugins', plugin: plugin.name },
      );
    }
    return deepMerge(current as Record<string, unknown>, partial as Record<string, unknown>) as UserConfig;
  });
}

function tapHook<K extends HookName>(
  name: K,
  hooks: KilnHooks,
  plugin: KilnPlugin,
  configFile: string | undefined,
): void {
  const value = plugin[name];
  if (value !== undefined && value !== null) TAPPERS[name](hooks, plugin, value, configFile);
}

/** Taps every hook a plugin supplies, walking the hook table. */
export function tapPlugin(hooks: KilnHooks, plugin: KilnPlugin, configFile?: string): void {
  for (const name of HOOK_NAMES) tapHook(name, hooks, plugin, configFile);
}
