import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, readRun, renderReport } from '../src/index.js';
import { writeFixtureRun } from './fixture-run.js';

describe('buildReport (HTML)', () => {
  it('writes report.html with every section, escaping run text', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-'));
    writeFixtureRun(root);
    const path = await buildReport(root);
    expect(path).toBe(join(root, 'report.html'));
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('<title>Kiln report: tiny-shakespeare</title>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('unreadable metric lines');
  });

  it('says what is missing instead of failing on an empty run directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-empty-'));
    const html = renderReport(await readRun(root));
    for (const file of [
      'metrics.jsonl',
      'data/report.json',
      'eval/results.json',
      'eval/samples.json',
      'compress/report.json',
      'config.json',
    ])
      expect(html).toContain(`<code>${file}</code> not found`);
  });

  it('names the file when one is not JSON or has the wrong shape', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-bad-'));
    writeFixtureRun(root);
    writeFileSync(join(root, 'eval/results.json'), '{ nope');
    await expect(buildReport(root)).rejects.toThrow(/eval\/results.json is not valid JSON/);
    writeFileSync(join(root, 'eval/results.json'), '{}');
    writeFileSync(join(root, 'eval/samples.json'), '[{"prompt": 1}]');
    await expect(buildReport(root)).rejects.toThrow(/samples\[0\] needs string fields/);
    writeFileSync(join(root, 'eval/samples.json'), '[]');
    writeFileSync(join(root, 'compress/report.json'), '{"entries": [{"compressor": "int8", "bytesBefore": "big"}]}');
    await expect(buildReport(root)).rejects.toThrow(/compress\/report.json: entries\[0\] needs a string "compressor"/);
    writeFileSync(join(root, 'compress/report.json'), '[]');
    await expect(buildReport(root)).rejects.toThrow(/compress\/report.json must be \{ entries/);
  });
});
