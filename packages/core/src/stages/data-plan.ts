/**
 * The cleaning chain cut into passes for parallel runs. A pass is a worker
 * part (per-document cleaners, then the summaries of the split cleaners that
 * follow them) and a coordinator part (those splits' decisions in input order,
 * and any cleaner that declared nothing). A per-document cleaner after a
 * decision starts the next pass, so it only sees the documents kept so far.
 * Passes are grouped into stretches that a worker runs in one task (see stretchesOf).
 */
import { DEFAULT_CLEAN_STAGE } from '../adapter.js';
import { type KilnHooks, tappedItems } from '../hooks.js';
import { ownerOf } from '../hooks-facade.js';
import type { CleanerHook, CleanerSplit, KilnPlugin } from '../types.js';

export interface ChainStep {
  /** Position in the whole chain. */
  index: number;
  cleaner: CleanerHook;
  plugin: KilnPlugin;
  /** The cleaner's CLEAN_STAGE, as the report shows it. */
  stage: number;
}

export interface SplitStep extends ChainStep {
  split: CleanerSplit;
}

/** A coordinator step: a split's decision on a summary workers made, or a cleaner run here in full. */
export type CoordinatorStep =
  | { kind: 'decide'; step: SplitStep; summary: number }
  | { kind: 'inline'; step: ChainStep };

export interface Pass {
  /** Per-document cleaners, run by workers in order. */
  documents: ChainStep[];
  /** Splits whose summaries workers compute on the text the per-document cleaners leave. */
  summaries: SplitStep[];
  coordinator: CoordinatorStep[];
}

export interface Plan {
  chain: ChainStep[];
  passes: Pass[];
  /** Consecutive pass indices a worker runs in one task per shard. */
  stretches: number[][];
}

/** The data stage's cleaners in hook order (enforce, stage, config position). */
export function chainOf(hooks: KilnHooks): ChainStep[] {
  return tappedItems<CleanerHook>(hooks.cleaner).map((cleaner, index) => ({
    index,
    cleaner,
    plugin: ownerOf(hooks.cleaner, cleaner),
    stage: cleaner.stage ?? DEFAULT_CLEAN_STAGE,
  }));
}

export function planPasses(chain: ChainStep[]): Plan {
  const passes: Pass[] = [];
  let pass: Pass = { documents: [], summaries: [], coordinator: [] };
  for (const step of chain) {
    const parallel = step.cleaner.parallel;
    if (parallel === 'document') {
      if (pass.coordinator.length > 0) {
        passes.push(pass);
        pass = { documents: [], summaries: [], coordinator: [] };
      }
      pass.documents.push(step);
    } else if (parallel !== undefined && pass.coordinator.every((c) => c.kind === 'decide')) {
      // Decisions never change the text, so this split's summary can be made on the same text.
      pass.coordinator.push({ kind: 'decide', step: { ...step, split: parallel }, summary: pass.summaries.length });
      pass.summaries.push({ ...step, split: parallel });
    } else {
      pass.coordinator.push({ kind: 'inline', step });
    }
  }
  passes.push(pass);
  return { chain, passes, stretches: stretchesOf(passes) };
}

/**
 * Decisions never change a document's text, so the pass after one that only decides can run
 * ahead on the same worker, in the same task, on every document its per-document cleaners
 * keep; the coordinator then uses what it made for the documents the decisions keep. A
 * cleaner run in full on the coordinator (an 'inline' step) may change the text, so the next
 * pass waits for it: a stretch ends there.
 */
export function stretchesOf(passes: readonly Pass[]): number[][] {
  const stretches: number[][] = [];
  for (let p = 0; p < passes.length; p++) {
    const decidesOnly = p > 0 && passes[p - 1].coordinator.every((c) => c.kind === 'decide');
    if (decidesOnly) stretches.at(-1)!.push(p);
    else stretches.push([p]);
  }
  return stretches;
}

export function passesOf(plan: Plan, stretch: number): Pass[] {
  return plan.stretches[stretch].map((p) => plan.passes[p]);
}

/** What a remote worker checks against its own chain before running a job: same cleaners, same order, same versions. */
export function chainFingerprint(chain: ChainStep[]): string {
  return chain
    .map(
      (s) =>
        `${s.plugin.name}@${s.plugin.version ?? ''}/${s.cleaner.rule}/${s.stage}/${typeof s.cleaner.parallel === 'object' ? 'split' : (s.cleaner.parallel ?? 'serial')}`,
    )
    .join(' ');
}
