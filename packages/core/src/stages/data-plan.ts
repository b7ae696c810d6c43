/**
 * The cleaning chain cut into passes for parallel runs. A pass is a worker
 * part (per-document cleaners, then the summaries of the split cleaners that
 * follow them) and a coordinator part (those splits' decisions in input order,
 * and any cleaner that declared nothing). A per-document cleaner after a
 * decision starts the next pass, so it only sees the documents kept so far.
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
  return { chain, passes };
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
