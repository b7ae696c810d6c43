/**
 * The worker part of one pass over one shard of documents: the per-document
 * cleaners in order, then the split cleaners' summaries. Runs the same on the
 * coordinating thread, in a pool thread or on a remote worker; what it returns
 * is everything the coordinator needs to replay the report exactly.
 */
import { KilnError } from '../errors.js';
import { contextFor } from '../plugin-context.js';
import { guarded } from '../plugin-errors.js';
import type { Doc, Dropped, KilnContext } from '../types.js';
import { countsDelta } from './data-counts.js';
import type { ChainStep, Pass } from './data-plan.js';
import { isDropped } from './data-report.js';

/** Enough of a dropped document's text for the report's excerpt (it shows 160 characters and an ellipsis). */
export const EXCERPT_BASIS = 161;

export interface DocOutcome {
  id: string;
  /** Text length before the pass's first cleaner and after each one it passed. */
  lengths: number[];
  /** The document after the pass's cleaners, when none dropped it and one changed it (else the input stands). */
  doc?: Doc;
  /** One per split of the pass, when kept. */
  summaries?: unknown[];
  drop?: { step: number; drop: Dropped; excerpt: string };
}

export interface ShardOutcome {
  docs: DocOutcome[];
  /** What this shard added to each per-document cleaner's finish() counts, by chain index. */
  counts: Record<number, unknown>;
}

export async function runPass(pass: Pass, docs: readonly Doc[], ctx: KilnContext): Promise<ShardOutcome> {
  const before = await snapshots(pass.documents, ctx);
  const out: DocOutcome[] = [];
  for (const input of docs) {
    let doc = input;
    const lengths = [doc.text.length];
    let drop: DocOutcome['drop'];
    for (let i = 0; i < pass.documents.length; i++) {
      const result = await clean(pass.documents[i], doc, ctx);
      if (isDropped(result)) {
        drop = { step: i, drop: result, excerpt: doc.text.slice(0, EXCERPT_BASIS) };
        break;
      }
      doc = result;
      lengths.push(doc.text.length);
    }
    if (drop) {
      out.push({ id: input.id, lengths, drop });
      continue;
    }
    const summaries: unknown[] = [];
    for (const s of pass.summaries)
      summaries.push(
        await guarded(
          s.plugin,
          'cleaner',
          s.cleaner.rule,
          s.split.summarize.bind(s.split),
        )(doc, contextFor(ctx, s.plugin)),
      );
    // Unchanged documents are not sent back: the coordinator still holds its input.
    out.push({ id: input.id, lengths, ...(doc !== input && { doc }), summaries });
  }
  const after = await snapshots(pass.documents, ctx);
  const counts: Record<number, unknown> = {};
  for (const step of pass.documents)
    if (after[step.index] !== undefined) counts[step.index] = countsDelta(after[step.index], before[step.index]);
  return { docs: out, counts };
}

/** One cleaner on one document, with the checks core's adapter makes. */
export async function clean(step: ChainStep, doc: Doc, ctx: KilnContext): Promise<Doc | Dropped> {
  const { cleaner, plugin } = step;
  const out = await guarded(plugin, 'cleaner', cleaner.rule, cleaner.clean.bind(cleaner))(doc, contextFor(ctx, plugin));
  if (out !== null && typeof out === 'object' && isDropped(out)) return out;
  if (typeof out?.text !== 'string') {
    throw new KilnError(
      `[${plugin.name}] cleaner "${cleaner.rule}" returned neither a document nor ctx.drop(...) for ${doc.id}`,
      {
        plugin: plugin.name,
        hook: 'cleaner',
      },
    );
  }
  return out;
}

/** Each step's finish() counts now, copied (cleaners may hand out their live objects). */
export async function snapshots(steps: readonly ChainStep[], ctx: KilnContext): Promise<Record<number, unknown>> {
  const out: Record<number, unknown> = {};
  for (const { index, cleaner, plugin } of steps) {
    if (!cleaner.finish) continue;
    const value = await guarded(plugin, 'cleaner', cleaner.rule, cleaner.finish.bind(cleaner))(contextFor(ctx, plugin));
    if (value) out[index] = structuredClone(value);
  }
  return out;
}
