/**
 * The parallel runner against core's in-process runner (the oracle): the chain cut into passes
 * where a decision or an undeclared cleaner stands, then clean.jsonl, report.json and
 * manifest.json byte-identical on 2 pool threads over ~40 shards and on one thread, for a chain
 * that mixes per-document cleaners, a split dedup, an undeclared stateful cleaner and a
 * per-document cleaner after the dedup.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { describe, expect, onTestFinished, test } from 'vitest';
import { planPasses } from '../src/plan.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REPO_ROOT = resolve(FIXTURES, '../../../..');
const FILES = ['data/clean.jsonl', 'data/report.json', 'data/manifest.json'];

function tempDir(): string {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'data-runner-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The data stage of a fixture config with `--set` overrides; its data files and log. */
async function runData(configFile: string, overrides: string[]) {
  const logger = createMemoryLogger();
  const kiln = await createKiln({ cwd: FIXTURES, configFile, runDir: tempDir(), overrides, logger });
  try {
    await kiln.run(['data']);
    const files = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(kiln.config.runDir, f), 'utf8')]));
    return { files, log: logger.records.map((r) => r.message), plan: planPasses(kiln.cleaningChain()) };
  } finally {
    await kiln.close();
  }
}

function expectSameFiles(a: Record<string, string>, b: Record<string, string>) {
  for (const file of FILES) expect(b[file], file).toBe(a[file]);
}

describe('the parallel data runner', () => {
  test('cuts the chain where a decision or an undeclared cleaner stands', async () => {
    const { plan } = await runData('mixed.config.ts', ['data.runner=in-process']);
    const describePass = (p: (typeof plan.passes)[number]) => ({
      documents: p.documents.map((s) => s.rule),
      summaries: p.summaries.map((s) => s.rule),
      coordinator: p.coordinator.map((c) => `${c.kind}:${c.step.rule}`),
    });
    expect(plan.passes.map(describePass)).toEqual([
      { documents: ['upper', 'length'], summaries: ['dup'], coordinator: ['decide:dup', 'inline:alternate'] },
      { documents: ['tag'], summaries: [], coordinator: [] },
    ]);
    expect(plan.stretches).toEqual([[0], [1]]);
  });

  test('writes the in-process runner bytes on 2 threads, over 40 shards', async () => {
    const one = await runData('mixed.config.ts', ['data.runner=in-process']);
    const two = await runData('mixed.config.ts', ['data.threads=2']);
    expect(two.log).toContain('data: 2 pass(es) in 2 task(s) per shard on 2 threads');
    expectSameFiles(one.files, two.files);
    const report = JSON.parse(one.files['data/report.json']);
    expect(Object.keys(report.rules)).toEqual(['upper', 'length', 'dup', 'alternate', 'tag']);
    expect(Object.keys(report.rules.length.reasons).length).toBe(51); // 50 reasons, then '(other)'
    expect(report.rules.dup.dropped).toBeGreaterThan(0);
    expect(report.rules.alternate.dropped).toBeGreaterThan(0);
    expect(report.extras).toMatchObject({
      dup: { unique: expect.any(Number) },
      alternate: { seen: expect.any(Number) },
    });
  });

  test('a pass after decisions only runs ahead in the same task, and counts only what the decisions kept', async () => {
    const one = await runData('ahead.config.ts', ['data.runner=in-process']);
    const two = await runData('ahead.config.ts', ['data.threads=2']);
    expect(two.plan.passes.length).toBe(2);
    expect(two.plan.stretches).toEqual([[0, 1]]);
    expect(two.log).toContain('data: 2 pass(es) in 1 task(s) per shard on 2 threads');
    expectSameFiles(one.files, two.files);
    const report = JSON.parse(one.files['data/report.json']);
    // The dedup dropped documents the mark cleaner saw ahead; the report does not count them.
    expect(report.rules.dup.dropped).toBeGreaterThan(0);
    expect(report.rules.mark.docsIn).toBe(report.rules.dup.docsOut);
    expect(report.rules.mark.dropped).toBeGreaterThan(0);
  });

  test("on one thread it leaves the chain to core's in-process runner and starts no pool", async () => {
    const { log } = await runData('ahead.config.ts', ['data.threads=1']);
    expect(log).toContain('data: 2 pass(es) in 1 task(s) per shard on 1 thread');
    expect(log.some((m) => m.includes('on the threads'))).toBe(false);
  });
});
