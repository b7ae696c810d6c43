/**
 * The coordinator part of a pass, on one shard's outcomes in input order:
 * replays the workers' per-rule counts and drops into the report exactly as a
 * single-thread run records them, then runs the splits' decisions and the
 * cleaners that must see every document in order.
 */
import { KilnError } from '../errors.js';
import { contextFor } from '../plugin-context.js';
import { guarded } from '../plugin-errors.js';
import type { Doc, Dropped, KilnContext } from '../types.js';
import { addCounts } from './data-counts.js';
import { clean, type ShardOutcome } from './data-pass.js';
import type { ChainStep, Pass } from './data-plan.js';
import { type CleanStats, isDropped } from './data-report.js';

export class Coordinator {
  /** Per-document cleaners' finish() counts, summed over shards, by chain index. */
  readonly counts: Record<number, unknown> = {};

  constructor(
    private readonly stats: CleanStats,
    private readonly ctx: KilnContext,
  ) {}

  /** Folds one shard's outcome of `pass` (run on `inputs`) into the report; returns the documents it keeps. */
  async shard(pass: Pass, inputs: readonly Doc[], outcome: ShardOutcome): Promise<Doc[]> {
    if (outcome.docs.length !== inputs.length)
      throw new KilnError(`data: a shard of ${inputs.length} documents came back with ${outcome.docs.length}`);
    for (const [index, delta] of Object.entries(outcome.counts))
      this.counts[Number(index)] = addCounts(this.counts[Number(index)], delta);
    const kept: Doc[] = [];
    for (const [at, o] of outcome.docs.entries()) {
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
      if (o.drop) continue;
      const doc = await this.coordinate(pass, o.doc ?? inputs[at], o.summaries ?? []);
      if (doc) kept.push(doc);
    }
    return kept;
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
        const summary = await guarded(
          c.step.plugin,
          'cleaner',
          c.step.cleaner.rule,
          split.summarize.bind(split),
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
    const drop = await guarded(
      step.plugin,
      'cleaner',
      step.cleaner.rule,
      split.decide.bind(split),
    )(doc, summary, contextFor(this.ctx, step.plugin));
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
