/**
 * The hook points inside a Kiln instance: one tapable hook per KilnPlugin
 * hook, of the class that fits its meaning. tapable stays inside core:
 * plugins only ever see KilnPlugin and KilnContext.
 *
 * Kinds: Bail = the first tap that returns a value wins; Waterfall = each tap
 * receives the previous tap's result; Series = one after another; Parallel =
 * all at once. Taps are ordered by tapable's `stage` (enforce, then named
 * stage), then by plugin order in the config.
 *
 * HOOKS below is the single table of every KilnPlugin hook with its kind and
 * points; createHooks builds from it and the adapter taps by it.
 */

import type { Backend } from '@kiln/tensor';
import tapable from 'tapable';
import type { SourceManifest } from './stages/data-report.js';
import type {
  ArchitectureProvider,
  BackendProvider,
  ChatTemplateProvider,
  CheckpointInfo,
  CleaningStep,
  CommandProvider,
  ConfigEnv,
  DataRunnerProvider,
  Doc,
  EncoderProvider,
  EvalInfo,
  KilnContext,
  KilnPlugin,
  ResolvedConfig,
  RewardInput,
  StageName,
  StageResult,
  StepInfo,
  Tokenizer,
  TokenizerProvider,
  TrainerProvider,
  UserConfig,
} from './types.js';

const { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook, SyncBailHook, SyncWaterfallHook } = tapable;

/** Kept on every tap, so lists (rewards, evaluators) and errors know who tapped. */
export interface TapMeta {
  plugin: KilnPlugin;
  /** The hook object the plugin supplied (a cleaner, an evaluator...). */
  item?: unknown;
}

export interface RewardTotal {
  total: number;
  parts: Record<string, number>;
}

export interface LoadedModel {
  model: unknown;
  architecture: ArchitectureProvider;
}

/** A plugin's CLI command, with the plugin that added it (for `kiln --help` and errors). */
export interface PluginCommand {
  plugin: string;
  command: CommandProvider;
}

/** How a hook's taps combine; each KilnPlugin line names its kind in these words. */
export type HookKind = 'first' | 'sequential' | 'series' | 'parallel';

/** KilnPlugin's fields that are not hooks: metadata the core reads. */
export const PLUGIN_FIELDS = ['name', 'version', 'enforce', 'api', 'cacheKey'] as const;

/** Every hook a plugin may provide. */
export type HookName = Exclude<keyof KilnPlugin, (typeof PLUGIN_FIELDS)[number]>;

/** A hook's kind and the tapable hook points it feeds (one hook may feed several: a cleaner's clean and finish). */
interface HookSpec {
  kind: HookKind;
  points: Record<string, () => { taps: ReadonlyArray<unknown> }>;
}

/**
 * The one table of hooks: kind and hook points per KilnPlugin hook. `satisfies`
 * makes a hook added to KilnPlugin without a row here a compile error;
 * createHooks builds its points and the adapter's tap table is keyed the same way.
 */
export const HOOKS = {
  /** AsyncSeriesWaterfall · each plugin's config() partial is deep-merged into the config it passes on. */
  config: {
    kind: 'sequential',
    points: {
      config: () => new AsyncSeriesWaterfallHook<[UserConfig, ConfigEnv], UserConfig, TapMeta>(['config', 'env']),
    },
  },
  /** AsyncParallel · the config is final and frozen. */
  configResolved: {
    kind: 'parallel',
    points: { configResolved: () => new AsyncParallelHook<[ResolvedConfig], TapMeta>(['config']) },
  },
  /** SyncWaterfall · each source appends its stream after the previous ones' (read in series). */
  source: {
    kind: 'series',
    points: {
      source: () =>
        new SyncWaterfallHook<[AsyncIterable<Doc>, KilnContext, SourceManifest], AsyncIterable<Doc>, TapMeta>([
          'docs',
          'ctx',
          'manifest',
        ]),
    },
  },
  /**
   * SyncWaterfall · collects the cleaning chain in stage order; a data runner (core's in-process one,
   * or a dataRunner plugin's) takes each document through it, and a drop stops it.
   */
  cleaner: {
    kind: 'sequential',
    points: {
      cleaner: () =>
        new SyncWaterfallHook<[Omit<CleaningStep, 'index'>[]], Omit<CleaningStep, 'index'>[], TapMeta>(['chain']),
    },
  },
  /** SyncBail · the first data runner whose name matches `data.runner` (or the first at all when none is asked). */
  dataRunner: {
    kind: 'first',
    points: {
      dataRunner: () => new SyncBailHook<[string | undefined], DataRunnerProvider | undefined, TapMeta>(['name']),
    },
  },
  /** SyncBail · the first encoder whose name matches (or the first at all when no name is asked). */
  encoder: {
    kind: 'first',
    points: { encoder: () => new SyncBailHook<[string | undefined], EncoderProvider | undefined, TapMeta>(['name']) },
  },
  tokenizer: {
    kind: 'first',
    points: {
      /** SyncBail · the first tokenizer provider whose name matches `tokenizer.type`. */
      tokenizer: () => new SyncBailHook<[string | undefined], TokenizerProvider | undefined, TapMeta>(['type']),
      /** AsyncSeriesBail · the first tokenizer provider that recognises a saved directory loads it. */
      tokenizerLoad: () =>
        new AsyncSeriesBailHook<[string, KilnContext], Tokenizer | undefined, TapMeta>(['dir', 'ctx']),
    },
  },
  architecture: {
    kind: 'first',
    points: {
      /** SyncBail · the first architecture whose name matches `model.architecture`. */
      architecture: () => new SyncBailHook<[string | undefined], ArchitectureProvider | undefined, TapMeta>(['name']),
      /** AsyncSeriesBail · the first architecture that recognises a saved model directory loads it. */
      modelLoad: () =>
        new AsyncSeriesBailHook<[string, Backend, KilnContext], LoadedModel | undefined, TapMeta>([
          'dir',
          'backend',
          'ctx',
        ]),
    },
  },
  /** SyncBail · the first trainer for the stage whose name matches `<stage>.trainer`. */
  trainer: {
    kind: 'first',
    points: {
      trainer: () =>
        new SyncBailHook<[string | undefined, StageName], TrainerProvider | undefined, TapMeta>(['name', 'stage']),
    },
  },
  /** SyncWaterfall · collects every plugin's CLI commands. */
  command: {
    kind: 'series',
    points: { command: () => new SyncWaterfallHook<[PluginCommand[]], PluginCommand[], TapMeta>(['commands']) },
  },
  /** SyncBail · the first chat template whose name matches `<stage>.chatTemplate`. */
  chatTemplate: {
    kind: 'first',
    points: { chatTemplate: () => new SyncBailHook<[string], ChatTemplateProvider | undefined, TapMeta>(['name']) },
  },
  /** SyncWaterfall · collects backend providers; the resolver picks by name or, for 'auto', by priority. */
  backend: {
    kind: 'first',
    points: { backend: () => new SyncWaterfallHook<[BackendProvider[]], BackendProvider[], TapMeta>(['providers']) },
  },
  /** AsyncSeriesWaterfall · every reward function adds its weighted score to the total. */
  reward: {
    kind: 'series',
    points: {
      reward: () =>
        new AsyncSeriesWaterfallHook<[RewardTotal, RewardInput, KilnContext], RewardTotal, TapMeta>([
          'total',
          'input',
          'ctx',
        ]),
    },
  },
  /** AsyncSeriesWaterfall · every evaluator adds its scores to the results. */
  evaluator: {
    kind: 'series',
    points: {
      evaluator: () =>
        new AsyncSeriesWaterfallHook<[Record<string, number>, unknown, KilnContext], Record<string, number>, TapMeta>([
          'scores',
          'model',
          'ctx',
        ]),
    },
  },
  /** AsyncSeriesWaterfall · each compressor receives the previous one's model (prune, then quantize). */
  compressor: {
    kind: 'sequential',
    points: {
      compressor: () => new AsyncSeriesWaterfallHook<[unknown, KilnContext], unknown, TapMeta>(['model', 'ctx']),
    },
  },
  /** AsyncSeriesWaterfall · each exporter writes its format and adds the files it wrote. */
  exporter: {
    kind: 'series',
    points: {
      exporter: () =>
        new AsyncSeriesWaterfallHook<[string[], unknown, string, KilnContext], string[], TapMeta>([
          'files',
          'model',
          'outDir',
          'ctx',
        ]),
    },
  },
  // AsyncParallel · lifecycle listeners (loggers, progress, early stopping).
  onRunStart: { kind: 'parallel', points: { runStart: () => new AsyncParallelHook<[KilnContext], TapMeta>(['ctx']) } },
  onStageStart: {
    kind: 'parallel',
    points: { stageStart: () => new AsyncParallelHook<[StageName, KilnContext], TapMeta>(['stage', 'ctx']) },
  },
  onStageEnd: {
    kind: 'parallel',
    points: {
      stageEnd: () => new AsyncParallelHook<[StageName, StageResult, KilnContext], TapMeta>(['stage', 'result', 'ctx']),
    },
  },
  onStep: {
    kind: 'parallel',
    points: { step: () => new AsyncParallelHook<[StepInfo, KilnContext], TapMeta>(['info', 'ctx']) },
  },
  onEval: {
    kind: 'parallel',
    points: { eval: () => new AsyncParallelHook<[EvalInfo, KilnContext], TapMeta>(['info', 'ctx']) },
  },
  onCheckpoint: {
    kind: 'parallel',
    points: { checkpoint: () => new AsyncParallelHook<[CheckpointInfo, KilnContext], TapMeta>(['info', 'ctx']) },
  },
  onRunEnd: {
    kind: 'parallel',
    points: {
      runEnd: () => new AsyncParallelHook<[Record<string, StageResult>, KilnContext], TapMeta>(['results', 'ctx']),
    },
  },
} as const satisfies Record<HookName, HookSpec>;

/** The hook names, in the table's order. */
export const HOOK_NAMES: readonly HookName[] = Object.keys(HOOKS).filter((key): key is HookName => key in HOOKS);

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type PointsOf<S> = S extends { points: infer P }
  ? { readonly [N in keyof P]: P[N] extends () => infer H ? H : never }
  : never;

/** Every hook point, by name: the union of every table row's points. */
export type KilnHooks = UnionToIntersection<PointsOf<(typeof HOOKS)[HookName]>>;

/** A fresh, frozen set of hook points for one Kiln instance, built from the table. */
export function createHooks(): KilnHooks {
  const points: Record<string, unknown> = {};
  for (const name of HOOK_NAMES) {
    for (const [point, make] of Object.entries(HOOKS[name].points)) points[point] = make();
  }
  // The object holds exactly the points KilnHooks lists: both come from HOOKS.
  return Object.freeze(points) as KilnHooks;
}

/** The items tapped into a hook, in tap order (e.g. every evaluator). */
export function tappedItems<T>(hook: { taps: ReadonlyArray<unknown> }): T[] {
  return (hook.taps as ReadonlyArray<TapMeta>).map((tap) => tap.item as T);
}
