/**
 * The worker part of a stretch of passes over one shard of documents: for each
 * pass, the per-document cleaners in order, then the split cleaners'
 * summaries. Runs the same on the coordinating thread, in a pool thread or on
 * a remote worker; what it returns is everything the coordinator needs to
 * replay the report exactly.
 */
import { type CleaningStep, type Doc, type Dropped, isDropped, type KilnContext } from '@kiln/core';
import { countsDelta, isZero } from './counts.js';
import type { Pass } from './plan.js';

/** Enough of a dropped document's text for the report's excerpt (it shows 160 characters and an ellipsis). */
export const EXCERPT_BASIS = 161;

export interface DocOutcome {
  id: string;
  /** Text length before the pass's first cleaner and after each one it passed. */
  lengths: number[];
  /** The text after the pass's cleaners, when none dropped it and they changed only the text. */
  text?: string;
  /** The document after the pass's cleaners, when they changed more than its text (else the input stands). */
  doc?: Doc;
  /** One per split of the pass, when kept. */
  summaries?: unknown[];
  drop?: { step: number; drop: Dropped; excerpt: string };
  /**
   * In a pass that ran ahead of decisions: what this document added to the finish() counts
   * (the coordinator adds them only when the decisions kept it).
   */
  counts?: Record<number, unknown>;
}

export interface ShardOutcome {
  /** By input position; in a pass that ran ahead, empty where an earlier pass's cleaners dropped the document. */
  docs: Array<DocOutcome | undefined>;
  /** What this shard added to each per-document cleaner's finish() counts, by chain index (the stretch's first pass). */
  counts: Record<number, unknown>;
}

/** One outcome per pass of the stretch: the first over `docs`, each next one over what the one before kept. */
export async function runStretch(
  passes: readonly Pass[],
  docs: readonly Doc[],
  ctx: KilnContext,
): Promise<ShardOutcome[]> {
  const outcomes: ShardOutcome[] = [];
  let inputs: Array<Doc | undefined> = [...docs];
  for (const pass of passes) {
    const outcome = await runPass(pass, inputs, ctx, outcomes.length > 0);
    outcomes.push(outcome);
    inputs = inputs.map((doc, at) => {
      const o = outcome.docs[at];
      return doc && o && !o.drop ? resultOf(o, doc) : undefined;
    });
  }
  return outcomes;
}

/** The document a pass left: the input, its new text, or a new document. */
export function resultOf(o: DocOutcome, input: Doc): Doc {
  return o.doc ?? (o.text === undefined ? input : { ...input, text: o.text });
}

/** One pass over `docs` (skipping the empty places); `perDocument` counts each document on its own. */
async function runPass(
  pass: Pass,
  docs: ReadonlyArray<Doc | undefined>,
  ctx: KilnContext,
  perDocument: boolean,
): Promise<ShardOutcome> {
  const before = await snapshots(pass.documents, ctx);
  let last = before;
  const out: Array<DocOutcome | undefined> = [];
  for (const input of docs) {
    if (!input) {
      out.push(undefined);
      continue;
    }
    const o = await cleanOne(pass, input, ctx);
    if (perDocument) {
      const now = await snapshots(pass.documents, ctx);
      const counts = countsOf(pass, now, last, true);
      if (Object.keys(counts).length > 0) o.counts = counts;
      last = now;
    }
    out.push(o);
  }
  // Ahead of decisions, the shard's own counts are only their shape (all zero), so the report lists them as before.
  const after = perDocument ? before : await snapshots(pass.documents, ctx);
  return { docs: out, counts: countsOf(pass, after, before, false) };
}

/** What the pass's cleaners added to their finish() counts between two snapshots, by chain index. */
function countsOf(
  pass: Pass,
  after: Record<number, unknown>,
  before: Record<number, unknown>,
  skipZero: boolean,
): Record<number, unknown> {
  const counts: Record<number, unknown> = {};
  for (const step of pass.documents) {
    if (after[step.index] === undefined) continue;
    const delta = countsDelta(after[step.index], before[step.index]);
    if (!skipZero || !isZero(delta)) counts[step.index] = delta;
  }
  return counts;
}

async function cleanOne(pass: Pass, input: Doc, ctx: KilnContext): Promise<DocOutcome> {
  let doc = input;
  const lengths = [doc.text.length];
  let drop: DocOutcome['drop'];
  for (let i = 0; i < pass.documents.length; i++) {
    const result = await pass.documents[i].clean(doc, ctx);
    if (isDropped(result)) {
      drop = { step: i, drop: result, excerpt: doc.text.slice(0, EXCERPT_BASIS) };
      break;
    }
    doc = result;
    lengths.push(doc.text.length);
  }
  if (drop) return { id: input.id, lengths, drop };
  const summaries: unknown[] = [];
  for (const s of pass.summaries) summaries.push(await s.summarize!(doc, ctx));
  // Unchanged documents are not sent back (the coordinator still holds its input), and of the
  // usual change, { ...doc, text }, only the text.
  return { id: input.id, lengths, ...changeOf(input, doc), summaries };
}

function changeOf(input: Doc, doc: Doc): { text?: string; doc?: Doc } {
  if (doc === input) return {};
  const onlyText =
    doc.id === input.id &&
    doc.origin === input.origin &&
    doc.meta === input.meta &&
    Object.keys(doc).length === Object.keys(input).length;
  return onlyText ? { text: doc.text } : { doc };
}

/** Each step's finish() counts now, copied (cleaners may hand out their live objects). */
export async function snapshots(steps: readonly CleaningStep[], ctx: KilnContext): Promise<Record<number, unknown>> {
  const out: Record<number, unknown> = {};
  for (const step of steps) {
    if (!step.finish) continue;
    const value = await step.finish(ctx);
    if (value) out[step.index] = structuredClone(value);
  }
  return out;
}
