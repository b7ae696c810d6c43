/**
 * Bookkeeping of the data stage: what each source read (the manifest) and
 * what each cleaning rule let through or dropped, and why (the report).
 */
import type { CleaningReport, CleaningStep, Doc, Dropped } from '../types.js';
import { WRITER } from '../version.js';

const EXAMPLES_PER_RULE = 5;
const EXCERPT_CHARS = 160;

interface FileEntry {
  docs: number;
  chars: number;
}

interface SourceEntry {
  plugin: string;
  docs: number;
  chars: number;
  files: Record<string, FileEntry>;
}

/** What was read: per source, documents and characters, per file when the source names files. */
export class SourceManifest {
  readonly sources: Record<string, SourceEntry> = {};

  record(source: string, plugin: string, doc: Doc): void {
    const entry = (this.sources[source] ??= { plugin, docs: 0, chars: 0, files: {} });
    entry.docs++;
    entry.chars += doc.text.length;
    const file = doc.origin.file;
    if (file !== undefined) {
      const f = (entry.files[file] ??= { docs: 0, chars: 0 });
      f.docs++;
      f.chars += doc.text.length;
    }
  }

  toJSON() {
    return { format: 'kiln-data-manifest', version: 1, writer: WRITER, sources: this.sources };
  }
}

interface DropExample {
  id: string;
  detail?: string;
  duplicateOf?: string;
  excerpt: string;
}

interface RuleStats {
  plugin: string;
  stage: number;
  docsIn: number;
  charsIn: number;
  docsOut: number;
  charsOut: number;
  dropped: number;
  /** Drops counted by detail (reason), so the report shows why. */
  reasons: Record<string, number>;
  examples: DropExample[];
}

const MAX_REASONS = 50;

/** Per cleaning rule: documents and characters in and out, drops with reasons and examples. */
export class CleanStats implements CleaningReport {
  readonly rules: Record<string, RuleStats> = {};

  kept(step: CleaningStep, charsIn: number, charsOut: number): void {
    const stats = this.rule(step);
    stats.docsIn++;
    stats.charsIn += charsIn;
    stats.docsOut++;
    stats.charsOut += charsOut;
  }

  dropped(step: CleaningStep, doc: { id: string; text: string }, charsIn: number, drop: Dropped): void {
    const stats = this.rule(step);
    stats.docsIn++;
    stats.charsIn += charsIn;
    stats.dropped++;
    const reason = drop.detail ?? drop.rule;
    // Reasons with per-document numbers would grow without bound: keep the first ones, lump the rest.
    if (reason in stats.reasons || Object.keys(stats.reasons).length < MAX_REASONS) {
      stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
    } else {
      stats.reasons['(other)'] = (stats.reasons['(other)'] ?? 0) + 1;
    }
    if (stats.examples.length < EXAMPLES_PER_RULE) {
      stats.examples.push({
        id: doc.id,
        ...(drop.detail !== undefined && { detail: drop.detail }),
        ...(drop.duplicateOf !== undefined && { duplicateOf: drop.duplicateOf }),
        excerpt: doc.text.length > EXCERPT_CHARS ? `${doc.text.slice(0, EXCERPT_CHARS)}…` : doc.text,
      });
    }
  }

  /**
   * The rules in chain order. Rules are met in chain order on one thread (a document reaching one
   * has passed every earlier one); passes running side by side may meet them otherwise.
   */
  inChainOrder(chain: readonly CleaningStep[]): Record<string, RuleStats> {
    const position = new Map<string, number>();
    for (const { rule, index } of chain) if (!position.has(rule)) position.set(rule, index);
    return Object.fromEntries(
      Object.entries(this.rules).sort(([a], [b]) => (position.get(a) ?? 0) - (position.get(b) ?? 0)),
    );
  }

  private rule(step: CleaningStep): RuleStats {
    return (this.rules[step.rule] ??= {
      plugin: step.plugin.name,
      stage: step.stage,
      docsIn: 0,
      charsIn: 0,
      docsOut: 0,
      charsOut: 0,
      dropped: 0,
      reasons: {},
      examples: [],
    });
  }
}

export function isDropped(value: Doc | Dropped): value is Dropped {
  return (value as Dropped).dropped === true;
}
