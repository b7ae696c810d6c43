/**
 * Choosing the data stage's runner (`data.runner`, first-wins): a plugin's runner comes first, its
 * options schema checks the `data` section when the config loads (did-you-mean included), its
 * options leave the stage's cache key, and what it writes is compared with core's in-process runner.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { CleanerSplit, Doc, KilnPlugin } from '../src/index.js';
import { kilnWith, tempDir } from './helpers.js';

const WORDS = ['kiln', 'clay', 'glaze', 'fire'];
const corpus: KilnPlugin = {
  name: 'corpus',
  source: {
    name: 'words',
    async *read() {
      for (let i = 0; i < 60; i++)
        yield { id: `w:${i}`, text: `${WORDS[i % 4]} ${i % 7}`, origin: { source: 'words' } };
    },
  },
};

/** A per-document cleaner with counts and a split dedup, fresh for every run. */
function cleaners(): KilnPlugin[] {
  const words: Record<string, number> = {};
  const seen = new Set<string>();
  const split: CleanerSplit<string> = {
    summarize: (d: Doc) => d.text,
    decide: (_d, text, ctx) => (seen.has(text) ? ctx.drop('dup', 'seen') : void seen.add(text)),
  };
  return [
    {
      name: 'upper',
      cleaner: {
        rule: 'upper',
        parallel: 'document',
        clean(d) {
          const word = d.text.split(' ')[0];
          words[word] = (words[word] ?? 0) + 1;
          return { ...d, text: d.text.toUpperCase() };
        },
        // Counts by first word, met as kiln, clay, glaze, fire: the report sorts them.
        finish: () => ({ words }),
      },
    },
    {
      name: 'dedup',
      cleaner: { rule: 'dup', stage: 400, parallel: split, clean: (d, ctx) => split.decide(d, d.text, ctx) ?? d },
    },
  ];
}

/** A runner that hands core's in-process runner one document at a time: a batch per document. */
const oneByOne: KilnPlugin = {
  name: 'test:one-by-one',
  dataRunner: {
    name: 'one-by-one',
    options: z.strictObject({ label: z.string().optional() }),
    run(input, options, ctx) {
      ctx.logger.info(`one-by-one runner (${String(options.label)}) over ${input.chain.map((s) => s.rule).join(', ')}`);
      return {
        batches: (async function* () {
          for await (const doc of input.docs) {
            yield* input.inProcess(
              (async function* () {
                yield doc;
              })(),
            ).batches;
          }
        })(),
      };
    },
  },
};

async function dataRun(plugins: KilnPlugin[], data: Record<string, unknown>, cwd = tempDir()) {
  const { kiln, logger } = await kilnWith({ name: 'runner', plugins, data }, { cwd });
  const results = await kiln.run(['data']);
  const runDir = kiln.context().runDir;
  const read = (f: string) => readFileSync(runDir.path(f), 'utf8');
  await kiln.close();
  return {
    results,
    log: logger.records.map((r) => r.message),
    clean: read('data/clean.jsonl'),
    report: read('data/report.json'),
  };
}

describe('data runners', () => {
  test("a plugin's runner comes first and writes what core's in-process runner writes", async () => {
    const reference = await dataRun([corpus, ...cleaners()], { runner: 'in-process' });
    const mine = await dataRun([corpus, ...cleaners(), oneByOne], { label: 'x' });
    expect(mine.log).toContain('one-by-one runner (x) over upper, dup');
    expect(mine.clean).toBe(reference.clean);
    expect(mine.report).toBe(reference.report);
    expect(JSON.parse(reference.report).rules.dup.dropped).toBe(32); // 60 documents, 28 distinct
    expect(Object.keys(JSON.parse(reference.report).extras.upper.words)).toEqual(['clay', 'fire', 'glaze', 'kiln']);
  });

  test('its options are checked with its schema before the stage runs, with a did-you-mean', async () => {
    const error = await kilnWith({ plugins: [corpus, oneByOne], data: { lable: 'x' } }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/data\.lable: unknown field \(did you mean "label"\?\) \[plugin test:one-by-one\]/);
    const wrong = await kilnWith({ plugins: [corpus, oneByOne], data: { label: 3 } }).catch((e: unknown) => e);
    expect(String(wrong)).toMatch(/data\.label: .* \[plugin test:one-by-one\]/);
  });

  test('a runner name nobody offers fails when the config loads, naming what there is', async () => {
    const error = await kilnWith({ plugins: [corpus, oneByOne], data: { runner: 'one-by-on' } }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/data\.runner: no data runner named "one-by-on" \(did you mean "one-by-one"\?\)/);
    expect(String(error)).toMatch(/available: one-by-one, in-process/);
  });

  test("the runner's options and the runner's name place the work: changing them reruns nothing", async () => {
    const cwd = tempDir();
    expect(
      (await dataRun([corpus, ...cleaners(), oneByOne], { label: 'a' }, cwd)).results.data.skipped,
    ).toBeUndefined();
    const again = await dataRun([corpus, ...cleaners(), oneByOne], { label: 'b', runner: 'one-by-one' }, cwd);
    expect(again.results.data.skipped).toBe(true);
  });
});
