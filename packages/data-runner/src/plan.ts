/**
 * The cleaning chain cut into passes for parallel runs. A pass is a worker
 * part (per-document cleaners, then the summaries of the split cleaners that
 * follow them) and a coordinator part (those splits' decisions in input order,
 * and any cleaner that declared nothing). A per-document cleaner after a
 * decision starts the next pass, so it only sees the documents kept so far.
 * Passes are grouped into stretches that a worker runs in one task (see stretchesOf).
 */
import type { CleaningStep } from '@kiln/core';

/** A coordinator step: a split's decision on a summary workers made, or a cleaner run here in full. */
export type CoordinatorStep =
  | { kind: 'decide'; step: CleaningStep; summary: number }
  | { kind: 'inline'; step: CleaningStep };

export interface Pass {
  /** Per-document cleaners, run by workers in order. */
  documents: CleaningStep[];
  /** Splits whose summaries workers compute on the text the per-document cleaners leave. */
  summaries: CleaningStep[];
  coordinator: CoordinatorStep[];
}

export interface Plan {
  chain: readonly CleaningStep[];
  passes: Pass[];
  /** Consecutive pass indices a worker runs in one task per shard. */
  stretches: number[][];
}

export function planPasses(chain: readonly CleaningStep[]): Plan {
  const passes: Pass[] = [];
  let pass: Pass = { documents: [], summaries: [], coordinator: [] };
  for (const step of chain) {
    if (step.parallel === 'document') {
      if (pass.coordinator.length > 0) {
        passes.push(pass);
        pass = { documents: [], summaries: [], coordinator: [] };
      }
      pass.documents.push(step);
    } else if (step.parallel === 'split' && pass.coordinator.every((c) => c.kind === 'decide')) {
      // Decisions never change the text, so this split's summary can be made on the same text.
      pass.coordinator.push({ kind: 'decide', step, summary: pass.summaries.length });
      pass.summaries.push(step);
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
export function chainFingerprint(chain: readonly CleaningStep[]): string {
  return chain
    .map((s) => `${s.plugin.name}@${s.plugin.version ?? ''}/${s.rule}/${s.stage}/${s.parallel ?? 'serial'}`)
    .join(' ');
}
