/**
 * The coordinator part of a stretch of passes, on one shard's outcomes in input order:
 * replays the workers' per-rule counts and drops into the report exactly as a
 * single-thread run records them, then runs the splits' decisions and the
 * cleaners that must see every document in order.
 */
import {
  type CleaningReport,
  type CleaningStep,
  type Doc,
  type Dropped,
  isDropped,
  type KilnContext,
  KilnError,
} from '@kiln/core';
import { addCounts } from './counts.js';
import { type DocOutcome, resultOf, type ShardOutcome } from './pass.js';
import type { Pass } from './plan.js';

export class Coordinator {
  /** Per-document cleaners' finish() counts, summed over shards, by chain index. */
  readonly counts: Record<number, unknown> = {};

  constructor(
    private readonly report: CleaningReport,
    private readonly ctx: KilnContext,
  ) {}

  /**
   * Folds one shard's outcomes of a stretch of passes (run on `inputs`) into the report; returns
   * the documents it keeps. Each document goes through the passes in turn, as on one thread: a
   * pass that ran ahead counts only for the documents that the decisions before it kept.
   */
  async shard(passes: readonly Pass[], inputs: readonly Doc[], outcomes: readonly ShardOutcome[]): Promise<Doc[]> {
    if (outcomes.length !== passes.length)
      throw new KilnError(`data: a shard of ${passes.length} pass(es) came back with ${outcomes.length}`);
    for (const outcome of outcomes) {
      if (outcome.docs.length !== inputs.length)
        throw new KilnError(`data: a shard of ${inputs.length} documents came back with ${outcome.docs.length}`);
      this.add(outcome.counts);
    }
    const kept: Doc[] = [];
    for (const [at, input] of inputs.entries()) {
      let doc: Doc | undefined = input;
      for (let p = 0; p < passes.length && doc; p++) {
        const o = outcomes[p].docs[at];
        if (!o) throw new KilnError(`data: shard outcome of pass ${p + 1} lacks document ${input.id}`);
        doc = await this.document(passes[p], doc, o);
      }
      if (doc) kept.push(doc);
    }
    return kept;
  }

  /** One document's outcome of one pass: its per-document rules replayed, then the coordinator's steps. */
  private async document(pass: Pass, input: Doc, o: DocOutcome): Promise<Doc | undefined> {
    const last = o.drop ? o.drop.step : pass.documents.length - 1;
    for (let i = 0; i <= last; i++) {
      const step = pass.documents[i];
      if (o.drop && i === o.drop.step)
        this.report.dropped(step, { id: o.id, text: o.drop.excerpt }, o.lengths[i], o.drop.drop);
      else this.report.kept(step, o.lengths[i], o.lengths[i + 1]);
    }
    if (o.counts) this.add(o.counts);
    if (o.drop) return undefined;
    return this.coordinate(pass, resultOf(o, input), o.summaries ?? []);
  }

  private add(counts: Record<number, unknown>): void {
    for (const [index, delta] of Object.entries(counts))
      this.counts[Number(index)] = addCounts(this.counts[Number(index)], delta);
  }

  private async coordinate(pass: Pass, input: Doc, summaries: unknown[]): Promise<Doc | undefined> {
    let doc = input;
    for (const c of pass.coordinator) {
      const { step } = c;
      let result: Doc | Dropped;
      if (c.kind === 'decide') result = (await this.decide(step, doc, summaries[c.summary])) ?? doc;
      else if (step.parallel === 'split')
        result = (await this.decide(step, doc, await step.summarize!(doc, this.ctx))) ?? doc;
      else result = await step.clean(doc, this.ctx);
      if (isDropped(result)) {
        this.report.dropped(step, doc, doc.text.length, result);
        return undefined;
      }
      this.report.kept(step, doc.text.length, result.text.length);
      doc = result;
    }
    return doc;
  }

  private decide(step: CleaningStep, doc: Doc, summary: unknown): Promise<Dropped | undefined> {
    if (!step.decide) throw new KilnError(`internal: cleaner "${step.rule}" has no split`);
    return step.decide(doc, summary, this.ctx);
  }
}
