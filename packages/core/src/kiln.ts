/**
 * Kiln: configure (load, validate, let plugins adjust), freeze, then run
 * stages. One instance is one run: its hooks, its frozen config and its
 * container of services.
 *
 *   const kiln = await createKiln({ command: 'train' });
 *   await kiln.run(['train']);
 */
import { tapPlugin } from './adapter.js';
import { jsBackend } from './backend/js-backend.js';
import { backendProvidersWithOptions, type ProviderEntry } from './backend/resolve-backend.js';
import { createConfigEnv, type UserConfigExport } from './config/define-config.js';
import { parseOverride } from './config/overrides.js';
import { finishConfig, loadUserConfig } from './config/resolve-config.js';
import { createRunContainer, type RunContainer, stageScope } from './container.js';
import { joinLaunch } from './distributed/launch.js';
import { StageRanks } from './distributed/ranks.js';
import { KilnError, throwIfAborted } from './errors.js';
import { createHooks, type KilnHooks, type PluginCommand } from './hooks.js';
import { verifyRecordedFiles } from './recorded-files.js';
import { markRunning, readRunState, recordStage, STAGE_SECTIONS, serializableConfig } from './run-state.js';
import { createStreamLogger } from './services/logger.js';
import { type ProgressFactory, quietProgress } from './services/progress.js';
import {
  outputsHash,
  type Placement,
  readConfigText,
  recordedOutputs,
  sourceStamps,
  stageFingerprint,
  staleReason,
  stampOutputs,
} from './stage-cache.js';
import { cleaningChain } from './stages/data.js';
import { dataPlacement } from './stages/data-runners.js';
import { STAGE_DRIVERS } from './stages/index.js';
import {
  type CleaningStep,
  type KilnContext,
  type Logger,
  type ResolvedConfig,
  STAGES,
  type StageName,
  type StageResult,
} from './types.js';

export interface KilnOptions {
  /** Where llm.config.* is searched and --run-dir resolves (default: process.cwd()). */
  cwd?: string;
  /** Explicit config file, relative to cwd. */
  configFile?: string;
  /** A config given in code instead of a file (object, promise or function of the environment). */
  config?: UserConfigExport;
  /** The command being run, passed to config functions (default 'run'). */
  command?: string;
  /** `key.path=value` overrides, as given to --set. */
  overrides?: readonly string[];
  /** Overrides the config's runDir (relative to cwd). */
  runDir?: string;
  logger?: Logger;
  progress?: ProgressFactory;
  /** Aborting it stops the run between items (Ctrl-C). */
  signal?: AbortSignal;
  /** Environment for config functions (default process.env). */
  env?: Record<string, string | undefined>;
  /** Run every stage even when state.json says it is up to date (`kiln run --force`). */
  force?: boolean;
}

/** Core's own plugins, after the user's: the `js` backend. */
function builtinPlugins() {
  return [jsBackend()];
}

export class Kiln {
  private constructor(
    readonly config: ResolvedConfig,
    /** @internal tapable hooks; plugins never see them. */
    readonly hooks: KilnHooks,
    private readonly container: RunContainer,
    private readonly force = false,
    /** Options that place the work (the data runner's): they leave the stages' cache keys. */
    private readonly placement: Placement = {},
  ) {}

  /** Configure: load and validate the config, tap every plugin, run config hooks, freeze. */
  static async create(options: KilnOptions = {}): Promise<Kiln> {
    const cwd = options.cwd ?? process.cwd();
    const env = createConfigEnv(options.command ?? 'run', options.env);
    const overrides = (options.overrides ?? []).map(parseOverride);
    const loaded = await loadUserConfig({
      cwd,
      configFile: options.configFile,
      inline: options.config,
      env,
      overrides,
    });
    loaded.plugins.push(...builtinPlugins());
    const hooks = createHooks();
    for (const plugin of loaded.plugins) tapPlugin(hooks, plugin, loaded.file);
    const config = await finishConfig(loaded, hooks, env, { overrides, runDir: options.runDir, cwd });
    sealHooks(hooks);
    await hooks.configResolved.promise(config);
    const container = createRunContainer({
      config,
      hooks,
      // Under mpirun: MPI_COMM_WORLD (an error before any work when MPI cannot be opened).
      collective: await joinLaunch(options.env ?? process.env),
      logger: options.logger ?? createStreamLogger(),
      progress: options.progress ?? quietProgress,
      signal: options.signal ?? new AbortController().signal,
    });
    const placement = { data: await dataPlacement(config, hooks) };
    return new Kiln(config, hooks, container, options.force ?? false, placement);
  }

  private stageRanks?: StageRanks;
  /** The ranks of an mpirun launch going through the stages together (distributed/ranks.ts). */
  private get ranks(): StageRanks {
    this.stageRanks ??= new StageRanks(this.container.resolve('collective'));
    return this.stageRanks;
  }

  /** This process's rank in an mpirun launch (0 otherwise): only rank 0 writes and prints. */
  get rank(): number {
    return this.ranks.collective.rank;
  }

  /** A context outside any stage (for doctor, generate and other tools). */
  context(): KilnContext {
    return this.container.resolve('ctx');
  }

  /**
   * Stages `kiln run` executes: config.stages, else every stage with a config section, plus the stages
   * whose plugins are loaded and whose output a later stage reads, with or without a section of their
   * own: data when a source exists, encode when an encoder exists and train will read its shards.
   */
  defaultStages(): StageName[] {
    if (this.config.stages) return [...this.config.stages];
    const configured = STAGES.filter((stage) =>
      STAGE_SECTIONS[stage].some((key) => this.config[key] !== undefined && key !== 'model'),
    );
    const implied = (stage: StageName) =>
      (stage === 'data' && this.hooks.source.taps.length > 0) ||
      (stage === 'encode' && this.hooks.encoder.taps.length > 0 && configured.includes('train'));
    return STAGES.filter((stage) => configured.includes(stage) || implied(stage));
  }

  /** The data stage's cleaners in chain order, as core calls them (a data runner's worker rebuilds its chain with this). */
  cleaningChain(): CleaningStep[] {
    return cleaningChain(this.hooks);
  }

  /** The CLI commands the config's plugins add, each with its plugin's name. */
  commands(): PluginCommand[] {
    return this.hooks.command.call([]);
  }

  /** Every backend provider known here (plugins and installed optional packages), for `kiln doctor`. */
  backendProviders(): Promise<Array<ProviderEntry & { options: Record<string, unknown> }>> {
    return backendProvidersWithOptions(this.hooks, this.config);
  }

  /**
   * Runs stages in the order given; every stage's provider is checked before the first one starts.
   * Under mpirun an error on any rank ends the whole job with its exit code.
   */
  async run(stages: readonly StageName[] = this.defaultStages()): Promise<Record<string, StageResult>> {
    return this.ranks.guard(this.context().logger, () => this.runStages(stages));
  }

  private async runStages(stages: readonly StageName[]): Promise<Record<string, StageResult>> {
    for (const stage of stages) {
      const driver = STAGE_DRIVERS[stage];
      if (!driver) throw new KilnError(`unknown stage "${stage}" (stages: ${STAGES.join(', ')})`, { exitCode: 2 });
      driver.check(this.config, this.hooks);
    }
    this.ranks.checkConfig(this.config);
    const ctx = this.context();
    // Lifecycle hooks (reports, samples) are rank 0's, like every write.
    const leads = this.ranks.leads;
    await ctx.runDir.writeJson('config.json', serializableConfig(this.config));
    if (leads) await this.hooks.runStart.promise(ctx);
    const results: Record<string, StageResult> = {};
    for (const stage of stages) {
      throwIfAborted(ctx.signal, `stage ${stage}`);
      results[stage] = await this.runStage(stage);
      this.ranks.afterStage();
    }
    if (leads) await this.hooks.runEnd.promise(results, ctx);
    return results;
  }

  /**
   * Runs one stage, unless state.json shows it finished with the same config,
   * plugins and inputs and its outputs are unchanged (stage-cache.ts). A stage
   * that was interrupted with the same fingerprint is resumed where its provider can.
   */
  private async runStage(stage: StageName): Promise<StageResult> {
    if (!this.ranks.leads)
      return this.ranks.follow(stage, (resume) =>
        STAGE_DRIVERS[stage].run(stageScope(this.container, stage).resolve('ctx'), this.hooks, { resume }),
      );
    const state = await readRunState(this.context().runDir);
    const fingerprint = stageFingerprint(this.config, stage, state, await readConfigText(this.config), this.placement);
    const ctx = stageScope(this.container, stage, fingerprint).resolve('ctx');
    // What it reads (or its skip relies on): earlier stages' files as they wrote them (rehashed where size or mtime changed).
    await verifyRecordedFiles(ctx.runDir.root, state, { stages: STAGES.slice(0, STAGES.indexOf(stage)) });
    const stale = this.force
      ? 'forced'
      : await staleReason(ctx.runDir.root, state, stage, fingerprint, this.config.root);
    const record = state.stages[stage];
    const resume = !this.force && state.running?.stage === stage && state.running.fingerprint === fingerprint;
    this.ranks.announce({
      stage,
      ...(stale === undefined &&
        record && { skipped: { metrics: record.metrics, outputs: record.outputs, modelDir: record.modelDir } }),
      resume,
      solo: STAGE_DRIVERS[stage].everyRank?.(this.config, this.hooks) !== true,
    });
    if (stale === undefined && record) {
      ctx.logger.info(
        `stage ${stage}: up to date, skipped (finished ${record.finishedAt}; kiln run --force reruns it)`,
      );
      ctx.metrics.write({ event: 'stage_skipped' });
      // Later stages load the latest model: make it this stage's again, as if it had just run.
      if (record.modelDir !== undefined && state.modelDir !== record.modelDir) {
        state.modelDir = record.modelDir;
        await ctx.runDir.writeJson('state.json', state);
      }
      return {
        ...(record.metrics && { metrics: record.metrics }),
        ...(record.outputs && { outputs: record.outputs }),
        ...(record.modelDir !== undefined && { modelDir: record.modelDir }),
        skipped: true,
      };
    }
    ctx.logger.info(resume ? `stage ${stage} (resuming the interrupted run)` : `stage ${stage}`);
    ctx.logger.debug(`stage ${stage} runs: ${stale}`);
    await markRunning(ctx.runDir, stage, fingerprint);
    // Starting over: what an interrupted run of the stage logged is not this run's. A resume (core's, or the
    // section's own `resume: true`) leaves it to the trainer, which rewinds to its checkpoint or restarts.
    const resumeAsked = (this.config[stage as keyof ResolvedConfig] as { resume?: unknown } | undefined)?.resume;
    if (!resume && resumeAsked !== true) ctx.metrics.rewind(-1);
    const started = performance.now();
    ctx.metrics.write({ event: 'stage_start' });
    await this.hooks.stageStart.promise(stage, ctx);
    const result = await STAGE_DRIVERS[stage].run(ctx, this.hooks, { resume });
    const seconds = (performance.now() - started) / 1000;
    // A stage stopped halfway is not finished: state.json keeps it as running, so the next run resumes it.
    if (result.aborted === true || ctx.signal.aborted) {
      ctx.metrics.write({ event: 'stage_interrupted', seconds, ...result.metrics });
      return result;
    }
    const files = (await stampOutputs(ctx.runDir.root, recordedOutputs(result))) ?? {};
    const sources = await sourceStamps(ctx.runDir.root, this.config.root, stage);
    await recordStage(ctx.runDir, this.config, stage, result, seconds, {
      fingerprint,
      outputsHash: outputsHash(files),
      files,
      ...(sources && { sources }),
    });
    ctx.metrics.write({ event: 'stage_end', seconds, ...result.metrics });
    await this.hooks.stageEnd.promise(stage, result, ctx);
    return result;
  }

  /** Releases the run's services (the backend, if one was created). */
  async close(): Promise<void> {
    await this.container.dispose();
  }
}

/** After the freeze, tapping any hook is an error: no plugin joins a configured run. */
function sealHooks(hooks: KilnHooks): void {
  for (const [name, hook] of Object.entries(hooks)) {
    let sealed = false;
    hook.intercept({
      register(tap) {
        if (sealed)
          throw new KilnError(
            `"${tap.name}" tried to tap "${name}" after the config was frozen: plugins are added in the config only`,
          );
        return tap;
      },
    });
    sealed = true;
  }
}

/** `await createKiln(options)` = `await Kiln.create(options)`. */
export function createKiln(options?: KilnOptions): Promise<Kiln> {
  return Kiln.create(options);
}
