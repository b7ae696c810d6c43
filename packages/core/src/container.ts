/**
 * The services of one run, in an awilix container: config, logger, run
 * directory, metrics sink, RNG, abort signal and the lazily created backend.
 * Each stage gets a scope of its own (its name, its metrics), and plugins
 * see all of it only through the typed KilnContext built here.
 */

import { type Backend, type Collective, singleProcess } from '@kiln/tensor';
// awilix's browser build: the same container without loadModules, whose fast-glob costs ~90 ms at every start.
import { type AwilixContainer, asFunction, asValue, createContainer, InjectionMode } from 'awilix/browser';
import { recordBackend } from './backend/record-backend.js';
import { resolveBackend } from './backend/resolve-backend.js';
import { followerLogger, followerMetrics, followerRunDir } from './distributed/followers.js';
import { KilnError } from './errors.js';
import type { KilnHooks } from './hooks.js';
import { createHooksFacade } from './hooks-facade.js';
import { registerRunContext } from './plugin-context.js';
import { createMetricsSink } from './services/metrics.js';
import { type ProgressFactory, quietProgress } from './services/progress.js';
import { createRunRng } from './services/rng.js';
import { createRunDir } from './services/run-dir.js';
import type {
  Dropped,
  KilnContext,
  KilnHooksFacade,
  Logger,
  MetricsSink,
  ResolvedConfig,
  Rng,
  RunDir,
  StageName,
} from './types.js';

export interface RunServices {
  config: ResolvedConfig;
  logger: Logger;
  signal: AbortSignal;
  progress: ProgressFactory;
  hooks: KilnHooks;
  runDir: RunDir;
  rng: Rng;
  /** Created on first call, once per run. */
  backend: () => Promise<Backend>;
  /** The stage of the current scope (undefined outside stages). */
  stage: StageName | undefined;
  /** The fingerprint of the stage of the current scope (stage-cache.ts). */
  fingerprint: string | undefined;
  metrics: MetricsSink;
  facade: KilnHooksFacade;
  ctx: KilnContext;
  /** The processes training together (one outside mpirun). */
  collective: Collective;
}

export type RunContainer = AwilixContainer<RunServices>;

export interface RunContainerOptions {
  config: ResolvedConfig;
  logger: Logger;
  signal: AbortSignal;
  progress: ProgressFactory;
  hooks: KilnHooks;
  /** Default: one process. Ranks other than 0 write nothing and log errors only (distributed/followers.ts). */
  collective?: Collective;
}

function drop(rule: string, detail?: string, duplicateOf?: string): Dropped {
  return {
    dropped: true,
    rule,
    ...(detail !== undefined && { detail }),
    ...(duplicateOf !== undefined && { duplicateOf }),
  };
}

/** KilnContext over a container scope; getters resolve lazily, so `kiln doctor` creates no run directory. */
function buildContext(cradle: RunServices): KilnContext {
  const { config } = cradle;
  const ctx: KilnContext = Object.freeze({
    config,
    logger: cradle.logger,
    signal: cradle.signal,
    stage: cradle.stage,
    fingerprint: cradle.fingerprint,
    get runDir() {
      return cradle.runDir;
    },
    get metrics() {
      return cradle.metrics;
    },
    get rng() {
      return cradle.rng;
    },
    get hooks() {
      return cradle.facade;
    },
    get collective() {
      return cradle.collective;
    },
    backend: () => cradle.backend(),
    progress: (label: string, total: number) => cradle.progress(label, total),
    plugin<Api>(name: string): Api {
      const found = config.plugins.find((p) => p.name === name);
      if (!found)
        throw new KilnError(
          `plugin "${name}" is not loaded: add it to plugins in ${config.configFile ?? 'the config'}`,
        );
      if (found.api === undefined) throw new KilnError(`plugin "${name}" declares no api`, { plugin: name });
      return found.api as Api;
    },
    drop,
  });
  return registerRunContext(ctx);
}

export function createRunContainer(options: RunContainerOptions): RunContainer {
  const container = createContainer<RunServices>({ injectionMode: InjectionMode.PROXY, strict: true });
  const collective = options.collective ?? singleProcess();
  const follows = collective.rank !== 0;
  container.register({
    config: asValue(options.config),
    // Leaving MPI (MPI_Finalize) goes with the run.
    collective: asFunction(() => collective)
      .singleton()
      .disposer((c) => c.close()),
    logger: asValue(follows ? followerLogger(options.logger, collective.rank) : options.logger),
    signal: asValue(options.signal),
    progress: asValue(follows ? quietProgress : options.progress),
    hooks: asValue(options.hooks),
    stage: asValue(undefined),
    fingerprint: asValue(undefined),
    runDir: asFunction(({ config }: RunServices) =>
      follows ? followerRunDir(createRunDir(config.runDir)) : createRunDir(config.runDir),
    ).singleton(),
    rng: asFunction(({ config }: RunServices) => createRunRng(config.seed)).singleton(),
    backend: asFunction((cradle: RunServices) => {
      let pending: Promise<Backend> | undefined;
      // The backend belongs to the run, but needs a context: the root scope's.
      const get = () =>
        (pending ??= resolveBackend(cradle.hooks, container.resolve('ctx')).then(async (backend) => {
          await recordBackend(cradle.runDir, backend);
          return backend;
        }));
      return Object.assign(get, { created: () => pending });
    })
      .singleton()
      .disposer(async (get) => {
        // Worker threads and GPU devices would keep the process alive: release them with the run.
        const created = (get as { created?: () => Promise<Backend> | undefined }).created?.();
        if (created) await (await created.catch(() => undefined))?.dispose();
      }),
    metrics: asFunction(({ runDir, stage }: RunServices) =>
      follows ? followerMetrics : createMetricsSink(runDir.path('metrics.jsonl'), stage),
    ).scoped(),
    facade: asFunction((cradle: RunServices) => createHooksFacade(cradle.hooks, () => cradle.ctx)).scoped(),
    ctx: asFunction(buildContext).scoped(),
  });
  return container;
}

/** A scope for one stage: its own context (with the stage's fingerprint), metrics stamped with the stage name. */
export function stageScope(container: RunContainer, stage: StageName, fingerprint?: string): RunContainer {
  const scope = container.createScope<RunServices>();
  scope.register({ stage: asValue(stage), fingerprint: asValue(fingerprint) });
  return scope;
}
