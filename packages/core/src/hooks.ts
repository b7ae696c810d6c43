/**
 * The hook points inside a Kiln instance: one tapable hook per KilnPlugin
 * hook, of the class that fits its meaning. tapable stays inside core:
 * plugins only ever see KilnPlugin and KilnContext.
 *
 * Kinds: Bail = the first tap that returns a value wins; Waterfall = each tap
 * receives the previous tap's result; Series = one after another; Parallel =
 * all at once. Taps are ordered by tapable's `stage` (enforce, then named
 * stage), then by plugin order in the config.
 */
import tapable from 'tapable';
import type {
  ArchitectureProvider,
  BackendProvider,
  CheckpointInfo,
  ConfigEnv,
  Doc,
  Dropped,
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
import type { Backend } from '@kiln/tensor';
import type { CleanStats, SourceManifest } from './stages/data-report.js';

const {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  SyncBailHook,
  SyncWaterfallHook,
} = tapable;

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

export function createHooks() {
  return Object.freeze({
    /** AsyncSeriesWaterfall · each plugin's config() partial is deep-merged into the config it passes on. */
    config: new AsyncSeriesWaterfallHook<[UserConfig, ConfigEnv], UserConfig, TapMeta>(['config', 'env']),
    /** AsyncParallel · the config is final and frozen. */
    configResolved: new AsyncParallelHook<[ResolvedConfig], TapMeta>(['config']),

    /** SyncWaterfall · each source appends its stream after the previous ones' (read in series). */
    source: new SyncWaterfallHook<[AsyncIterable<Doc>, KilnContext, SourceManifest], AsyncIterable<Doc>, TapMeta>([
      'docs',
      'ctx',
      'manifest',
    ]),
    /** AsyncSeriesWaterfall · one document through every cleaner in stage order; once dropped it passes through untouched. */
    cleaner: new AsyncSeriesWaterfallHook<[Doc | Dropped, KilnContext, CleanStats], Doc | Dropped, TapMeta>([
      'doc',
      'ctx',
      'stats',
    ]),
    /** AsyncSeries · end of the stream: each cleaner adds its extra report data under its rule. */
    cleanerFinish: new AsyncSeriesHook<[KilnContext, Record<string, unknown>], TapMeta>(['ctx', 'extras']),

    /** SyncBail · the first encoder whose name matches (or the first at all when no name is asked). */
    encoder: new SyncBailHook<[string | undefined], EncoderProvider | undefined, TapMeta>(['name']),
    /** SyncBail · the first tokenizer provider whose name matches `tokenizer.type`. */
    tokenizer: new SyncBailHook<[string | undefined], TokenizerProvider | undefined, TapMeta>(['type']),
    /** AsyncSeriesBail · the first tokenizer provider that recognises a saved directory loads it. */
    tokenizerLoad: new AsyncSeriesBailHook<[string, KilnContext], Tokenizer | undefined, TapMeta>(['dir', 'ctx']),
    /** SyncBail · the first architecture whose name matches `model.architecture`. */
    architecture: new SyncBailHook<[string | undefined], ArchitectureProvider | undefined, TapMeta>(['name']),
    /** AsyncSeriesBail · the first architecture that recognises a saved model directory loads it. */
    modelLoad: new AsyncSeriesBailHook<[string, Backend, KilnContext], LoadedModel | undefined, TapMeta>([
      'dir',
      'backend',
      'ctx',
    ]),
    /** SyncBail · the first trainer for the stage whose name matches `<stage>.trainer`. */
    trainer: new SyncBailHook<[string | undefined, StageName], TrainerProvider | undefined, TapMeta>(['name', 'stage']),
    /** SyncWaterfall · collects backend providers; the resolver picks by name or, for 'auto', by priority. */
    backend: new SyncWaterfallHook<[BackendProvider[]], BackendProvider[], TapMeta>(['providers']),

    /** AsyncSeriesWaterfall · every reward function adds its weighted score to the total. */
    reward: new AsyncSeriesWaterfallHook<[RewardTotal, RewardInput, KilnContext], RewardTotal, TapMeta>([
      'total',
      'input',
      'ctx',
    ]),
    /** AsyncSeriesWaterfall · every evaluator adds its scores to the results. */
    evaluator: new AsyncSeriesWaterfallHook<[Record<string, number>, unknown, KilnContext], Record<string, number>, TapMeta>(
      ['scores', 'model', 'ctx'],
    ),
    /** AsyncSeriesWaterfall · each compressor receives the previous one's model (prune, then quantize). */
    compressor: new AsyncSeriesWaterfallHook<[unknown, KilnContext], unknown, TapMeta>(['model', 'ctx']),
    /** AsyncSeriesWaterfall · each exporter writes its format and adds the files it wrote. */
    exporter: new AsyncSeriesWaterfallHook<[string[], unknown, string, KilnContext], string[], TapMeta>([
      'files',
      'model',
      'outDir',
      'ctx',
    ]),

    /** AsyncParallel · lifecycle listeners (loggers, progress, early stopping). */
    runStart: new AsyncParallelHook<[KilnContext], TapMeta>(['ctx']),
    stageStart: new AsyncParallelHook<[StageName, KilnContext], TapMeta>(['stage', 'ctx']),
    stageEnd: new AsyncParallelHook<[StageName, StageResult, KilnContext], TapMeta>(['stage', 'result', 'ctx']),
    step: new AsyncParallelHook<[StepInfo, KilnContext], TapMeta>(['info', 'ctx']),
    eval: new AsyncParallelHook<[EvalInfo, KilnContext], TapMeta>(['info', 'ctx']),
    checkpoint: new AsyncParallelHook<[CheckpointInfo, KilnContext], TapMeta>(['info', 'ctx']),
    runEnd: new AsyncParallelHook<[Record<string, StageResult>, KilnContext], TapMeta>(['results', 'ctx']),
  });
}

export type KilnHooks = ReturnType<typeof createHooks>;

/** The items tapped into a hook, in tap order (e.g. every evaluator). */
export function tappedItems<T>(hook: { taps: ReadonlyArray<unknown> }): T[] {
  return (hook.taps as ReadonlyArray<TapMeta>).map((tap) => tap.item as T);
}

