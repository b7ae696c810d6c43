/**
 * The coordinator part of a stretch of passes, on one shard's outcomes in input order:
 * replays the workers' per-rule counts and drops into the report exactly as a
 * single-thread run records them, then runs the splits' decisions and the
 * cleaners that must see every document in order.
 */
import { KilnError } from '../errors.js';
import { contextFor } from '../plugin-context.js';
import type { Doc, Dropped, KilnContext } from '../types.js';
import { addCounts } from './data-counts.js';
import { clean, type DocOutcome, resultOf, type ShardOutcome, stepMethod } from './data-pass.js';
import type { ChainStep, Pass } from './data-plan.js';
import { type CleanStats, isDropped } from './data-report.js';

export class Coordinator {
  /** Per-document cleaners' finish() counts, summed over shards, by chain index. */
  readonly counts: Record<number, unknown> = {};

  constructor(
    private readonly stats: CleanStats,
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
      const rule = this.rule(pass.documents[i]);
      rule.docsIn++;
      rule.charsIn += o.lengths[i];
      if (o.drop && i === o.drop.step) {
        this.stats.recordDrop(rule, { id: o.id, text: o.drop.excerpt, origin: { source: '' } }, o.drop.drop);
      } else {
        rule.docsOut++;
        rule.charsOut += o.lengths[i + 1];
      }
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
      const rule = this.rule(c.step);
      rule.docsIn++;
      rule.charsIn += doc.text.length;
      let result: Doc | Dropped;
      if (c.kind === 'decide') {
        result = (await this.decide(c.step, doc, summaries[c.summary])) ?? doc;
      } else if (typeof c.step.cleaner.parallel === 'object') {
        const split = c.step.cleaner.parallel;
        const summary = await stepMethod(
          c.step,
          'summarize',
          split,
          split.summarize,
        )(doc, contextFor(this.ctx, c.step.plugin));
        result = (await this.decide(c.step, doc, summary)) ?? doc;
      } else {
        result = await clean(c.step, doc, this.ctx);
      }
      if (isDropped(result)) {
        this.stats.recordDrop(rule, doc, result);
        return undefined;
      }
      doc = result;
      rule.docsOut++;
      rule.charsOut += doc.text.length;
    }
    return doc;
  }

  private async decide(step: ChainStep, doc: Doc, summary: unknown): Promise<Dropped | undefined> {
    const split = step.cleaner.parallel;
    if (typeof split !== 'object') throw new KilnError(`internal: cleaner "${step.cleaner.rule}" has no split`);
    const drop = await stepMethod(step, 'decide', split, split.decide)(doc, summary, contextFor(this.ctx, step.plugin));
    if (drop === undefined || isDropped(drop)) return drop;
    throw new KilnError(
      `[${step.plugin.name}] cleaner "${step.cleaner.rule}" decide() returned neither undefined nor ctx.drop(...) for ${doc.id}`,
      {
        plugin: step.plugin.name,
        hook: 'cleaner',
      },
    );
  }

  private rule(step: ChainStep) {
    return this.stats.rule(step.cleaner.rule, step.plugin.name, step.stage);
  }
}
