/**
 * Core's data runner: on this thread, each document through every cleaner in chain order until one
 * drops it. It is the production path on one thread and the oracle every other runner (threads,
 * a queue: @kiln/data-runner) is tested against: theirs must write the same bytes.
 */
import type { CleanedDocs, CleaningReport, CleaningStep, Doc, KilnContext } from '../types.js';
import { isDropped } from './data-report.js';

/** Kept documents are handed on about this many characters of input at a time (one write each). */
const BATCH_CHARS = 256 << 10;

export function inProcessRunner(
  chain: readonly CleaningStep[],
  report: CleaningReport,
  ctx: KilnContext,
): (docs: AsyncIterable<Doc>) => CleanedDocs {
  return (docs) => ({ batches: cleanInOrder(docs, chain, report, ctx) });
}

async function* cleanInOrder(
  docs: AsyncIterable<Doc>,
  chain: readonly CleaningStep[],
  report: CleaningReport,
  ctx: KilnContext,
): AsyncGenerator<{ kept: Doc[]; read: number }> {
  let kept: Doc[] = [];
  let read = 0;
  let chars = 0;
  for await (const input of docs) {
    read++;
    chars += input.text.length;
    const doc = await cleanOne(input, chain, report, ctx);
    if (doc) kept.push(doc);
    if (chars >= BATCH_CHARS) {
      yield { kept, read };
      kept = [];
      read = 0;
      chars = 0;
    }
  }
  if (read > 0) yield { kept, read };
}

/** One document through the chain: what the last cleaner left, or undefined when one dropped it. */
async function cleanOne(
  input: Doc,
  chain: readonly CleaningStep[],
  report: CleaningReport,
  ctx: KilnContext,
): Promise<Doc | undefined> {
  let doc = input;
  for (const step of chain) {
    const out = await step.clean(doc, ctx);
    if (isDropped(out)) {
      report.dropped(step, doc, doc.text.length, out);
      return undefined;
    }
    report.kept(step, doc.text.length, out.text.length);
    doc = out;
  }
  return doc;
}
