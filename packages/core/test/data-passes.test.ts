/**
 * The data stage's passes: its report (rules, reasons, examples, extras) and clean.jsonl equal
 * what core's own cleaner hook records one document at a time (the adapter's waterfall), for a
 * chain that mixes per-document cleaners, a split dedup, an undeclared stateful cleaner and a
 * per-document cleaner after the dedup, over many small shards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { CleanerSplit, Doc, KilnPlugin } from '../src/index.js';
import { chainOf, planPasses } from '../src/stages/data-plan.js';
import { CleanStats, isDropped, SourceManifest } from '../src/stages/data-report.js';
import { docLine } from '../src/stages/jsonl-docs.js';
import { kilnWith } from './helpers.js';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const corpus: KilnPlugin = {
  name: 'corpus',
  source: {
    name: 'words',
    async *read() {
      for (let i = 0; i < 400; i++) {
        // Repeats (i % 97) so the dedup drops across shards; lengths vary so drops have 60+ distinct reasons.
        const n = i % 97;
        yield {
          id: `w:${i}`,
          text: `${WORDS[n % 8]} ${'x'.repeat(n)} ${WORDS[(n * 3) % 8]}`,
          origin: { source: 'words', file: `f${i % 3}.txt` },
        } satisfies Doc;
      }
    },
  },
};

function plugins(): KilnPlugin[] {
  const upper: KilnPlugin = {
    name: 'upper',
    cleaner: { rule: 'upper', stage: 100, parallel: 'document', clean: (d) => ({ ...d, text: d.text.toUpperCase() }) },
  };
  const counts: Record<string, number> = {};
  const length: KilnPlugin = {
    name: 'length',
    cleaner: {
      rule: 'length',
      stage: 300,
      parallel: 'document',
      clean(d, ctx) {
        if (d.text.length % 7 !== 3) return d;
        counts[d.text[0]] = (counts[d.text[0]] ?? 0) + 1;
        return ctx.drop('length', `${d.id} has length ${d.text.length}`);
      },
      finish: () => ({ byLetter: counts }),
    },
  };
  const seen = new Map<string, string>();
  const split = {
    summarize: (d: Doc) => d.text,
    decide: (d: Doc, text: string, ctx: Parameters<CleanerSplit['decide']>[2]) => {
      const first = seen.get(text);
      if (first === undefined) return void seen.set(text, d.id);
      return ctx.drop('dup', 'seen', first);
    },
  } satisfies CleanerSplit<string>;
  const dedup: KilnPlugin = {
    name: 'dedup',
    cleaner: {
      rule: 'dup',
      stage: 400,
      parallel: split,
      clean: (d, ctx) => split.decide(d, d.text, ctx) ?? d,
      finish: () => ({ unique: seen.size }),
    },
  };
  // Undeclared: keeps every other document it sees, so it must run in input order.
  let n = 0;
  const alternate: KilnPlugin = {
    name: 'alternate',
    cleaner: {
      rule: 'alternate',
      stage: 450,
      clean: (d, ctx) => (n++ % 2 === 0 ? d : ctx.drop('alternate', `odd ${n}`)),
      finish: () => ({ seen: n }),
    },
  };
  const tag: KilnPlugin = {
    name: 'tag',
    cleaner: { rule: 'tag', stage: 500, parallel: 'document', clean: (d) => ({ ...d, text: `${d.text}!` }) },
  };
  return [corpus, upper, length, dedup, alternate, tag];
}

/** The chain without the undeclared cleaner: the pass after the dedup runs ahead of its decisions. */
function aheadPlugins(): KilnPlugin[] {
  const [corpus, upper, length, dedup] = plugins();
  const marks: Record<string, number> = {};
  // Counts and drops after the dedup: counted only for the documents the dedup kept.
  const mark: KilnPlugin = {
    name: 'mark',
    cleaner: {
      rule: 'mark',
      stage: 500,
      parallel: 'document',
      clean(d, ctx) {
        marks[d.text.length % 5] = (marks[d.text.length % 5] ?? 0) + 1;
        if (d.text.length % 11 === 0) return ctx.drop('mark', 'length divisible by 11');
        return d.text.length % 2 ? { ...d, text: `${d.text}?` } : { ...d, meta: { even: true } };
      },
      finish: () => ({ byRest: marks }),
    },
  };
  return [corpus, upper, length, dedup, mark];
}

async function referenceRun(make: () => KilnPlugin[]) {
  const { kiln: ref } = await kilnWith({ plugins: make() });
  const ctx = ref.context();
  const stats = new CleanStats();
  const lines: string[] = [];
  for await (const doc of ref.hooks.source.call((async function* () {})(), ctx, new SourceManifest())) {
    const out = await ref.hooks.cleaner.promise(doc, ctx, stats);
    if (!isDropped(out)) lines.push(docLine(out));
  }
  const extras: Record<string, unknown> = {};
  await ref.hooks.cleanerFinish.promise(ctx, extras);
  return { rules: JSON.parse(JSON.stringify(stats.rules)), extras, clean: lines.join('') };
}

describe('data stage passes', () => {
  test('cut the chain where a decision or an undeclared cleaner stands', async () => {
    const { kiln } = await kilnWith({ plugins: plugins() });
    const plan = planPasses(chainOf(kiln.hooks));
    const describePass = (p: (typeof plan.passes)[number]) => ({
      documents: p.documents.map((s) => s.cleaner.rule),
      summaries: p.summaries.map((s) => s.cleaner.rule),
      coordinator: p.coordinator.map((c) => `${c.kind}:${c.step.cleaner.rule}`),
    });
    expect(plan.passes.map(describePass)).toEqual([
      { documents: ['upper', 'length'], summaries: ['dup'], coordinator: ['decide:dup', 'inline:alternate'] },
      { documents: ['tag'], summaries: [], coordinator: [] },
    ]);
  });

  test('report and clean.jsonl equal the one-document-at-a-time reference, over 40 shards', async () => {
    const { kiln } = await kilnWith({ plugins: plugins(), data: { shardChars: 500 } });
    await kiln.run(['data']);
    const runDir = kiln.context().runDir;
    const report = JSON.parse(readFileSync(runDir.path('data/report.json'), 'utf8'));

    // Reference: a fresh chain through core's cleaner waterfall, one document at a time.
    const ref = await referenceRun(plugins);
    expect(report.rules).toEqual(ref.rules);
    expect(Object.keys(report.rules)).toEqual(Object.keys(ref.rules));
    expect(Object.keys(report.rules.length.reasons).length).toBe(51); // 50 reasons, then '(other)'
    expect(report.extras).toEqual(ref.extras);
    expect(readFileSync(runDir.path('data/clean.jsonl'), 'utf8')).toBe(ref.clean);
    expect(report.rules.dup.dropped).toBeGreaterThan(0);
    expect(report.rules.alternate.dropped).toBeGreaterThan(0);
  });

  test('a pass after decisions only runs ahead in the same task, and counts only what the decisions kept', async () => {
    const { kiln } = await kilnWith({ plugins: aheadPlugins(), data: { shardChars: 500 } });
    const plan = planPasses(chainOf(kiln.hooks));
    expect(plan.passes.length).toBe(2);
    expect(plan.stretches).toEqual([[0, 1]]);
    await kiln.run(['data']);
    const runDir = kiln.context().runDir;
    const report = JSON.parse(readFileSync(runDir.path('data/report.json'), 'utf8'));
    const ref = await referenceRun(aheadPlugins);
    expect(report.rules).toEqual(ref.rules);
    expect(Object.keys(report.rules)).toEqual(Object.keys(ref.rules));
    expect(report.extras).toEqual(ref.extras);
    expect(readFileSync(runDir.path('data/clean.jsonl'), 'utf8')).toBe(ref.clean);
    // The dedup dropped documents the mark cleaner saw ahead; the report does not count them.
    expect(report.rules.dup.dropped).toBeGreaterThan(0);
    expect(report.rules.mark.docsIn).toBe(report.rules.dup.docsOut);
    expect(report.rules.mark.dropped).toBeGreaterThan(0);
  });
});
