/**
 * How the ranks of a data-parallel launch go through a run together. Rank 0
 * decides everything that depends on the run directory (skip a stage that is
 * up to date, resume an interrupted one) and tells the others, so they need no
 * shared file system to agree. A stage whose provider runs data-parallel runs
 * on every rank; any other stage runs on rank 0 alone while the others wait.
 * An error on any rank ends the whole job (MPI_Abort), so no rank waits
 * forever for a peer that has stopped.
 */
import { broadcastJson, type Collective, ranksThatDiffer } from '@kiln/tensor';
import { KilnError, messageOf } from '../errors.js';
import { serializableConfig, stableJson } from '../run-state.js';
import type { Logger, ResolvedConfig, StageName, StageResult } from '../types.js';

/** What rank 0 tells the others about a stage. */
interface StagePlan {
  stage: StageName;
  /** Up to date on rank 0: the recorded result. */
  skipped?: Pick<StageResult, 'metrics' | 'outputs' | 'modelDir'>;
  resume: boolean;
  /** Runs on rank 0 alone. */
  solo: boolean;
}

/** Paths differ between machines; everything else must match. */
function agreedConfig(config: ResolvedConfig): string {
  const { root: _root, runDir: _runDir, configFile: _file, ...rest } = serializableConfig(config);
  return stableJson(rest);
}

export class StageRanks {
  private soloRunning = false;

  constructor(readonly collective: Collective) {}

  /** Rank 0, or the only process. */
  get leads(): boolean {
    return this.collective.rank === 0;
  }

  private get many(): boolean {
    return this.collective.size > 1;
  }

  /** Every rank hashes its resolved config; a rank that differs from rank 0 fails the launch on every rank (exit 2). */
  checkConfig(config: ResolvedConfig): void {
    if (!this.many) return;
    const differ = ranksThatDiffer(this.collective, agreedConfig(config));
    if (differ.length === 0) return;
    throw new KilnError(
      `rank${differ.length > 1 ? 's' : ''} ${differ.join(', ')} of ${this.collective.size} resolved another config than rank 0 ` +
        `(${config.configFile ?? 'the config'}, --set overrides, or the environment a config function reads differ): ` +
        'every rank must run the same config',
      { exitCode: 2 },
    );
  }

  /** Rank 0: the stage's plan, sent to the others. */
  announce(plan: StagePlan): void {
    if (!this.many || !this.leads) return;
    broadcastJson(this.collective, plan);
    this.soloRunning = plan.solo && !plan.skipped;
  }

  /**
   * The others: do what rank 0 planned for the stage. `run` runs it here (a
   * data-parallel stage); a stage rank 0 runs alone is waited for.
   */
  async follow(stage: StageName, run: (resume: boolean) => Promise<StageResult>): Promise<StageResult> {
    const plan = broadcastJson<StagePlan | undefined>(this.collective, undefined);
    if (plan?.stage !== stage)
      throw new KilnError(`rank ${this.collective.rank} is at stage ${stage}, rank 0 at ${plan?.stage}`);
    if (plan.skipped) return { ...plan.skipped, skipped: true };
    if (!plan.solo) return run(plan.resume);
    // No time limit here: rank 0 may prepare data for hours. Were it to die, mpirun ends this rank.
    this.collective.barrier();
    return { skipped: true };
  }

  /** Rank 0, after each stage: releases the others when it ran the stage alone. */
  afterStage(): void {
    if (!this.soloRunning) return;
    this.soloRunning = false;
    this.collective.barrier();
  }

  /** Runs `work`; with several ranks an error is logged and ends the whole job with its exit code. */
  async guard<T>(logger: Logger, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!this.many) throw error;
      const code = (error as { exitCode?: unknown }).exitCode;
      // Followers' loggers name their rank already.
      logger.error(this.leads ? `rank 0: ${messageOf(error)}` : messageOf(error));
      return this.collective.abort(typeof code === 'number' && code > 0 ? code : 1);
    }
  }
}
