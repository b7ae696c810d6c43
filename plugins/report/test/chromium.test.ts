import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../src/index.js';
import { writeFixtureRun } from './fixture-run.js';

// Debian's chromium (installed by .ci/run); flags as this machine needs them headless.
const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `report rendering test needs Chromium at ${CHROMIUM} (apt-get install chromium, or set KILN_CHROMIUM)`,
    );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});
afterAll(() => browser?.close());

describe('report rendered in headless Chromium', () => {
  it('shows the titles, curves, tables and samples of the run, fetching nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-chromium-'));
    const counts = writeFixtureRun(root);
    const path = await buildReport(root);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href);

    expect(await page.title()).toBe('Kiln report: tiny-shakespeare');
    expect(await page.locator('h2').allTextContents()).toEqual([
      'Summary',
      'Training',
      'Throughput',
      'Data cleaning',
      'Evaluation',
      'Compression',
      'Sample generations',
      'Configuration',
    ]);
    expect(await page.locator('figcaption').allTextContents()).toEqual([
      'Loss',
      'Learning rate',
      'Evaluation during training',
      'Tokens per second',
    ]);
    expect(
      await page
        .locator('figure', { hasText: 'Evaluation during training' })
        .locator('circle.dot[data-series="train val/ppl"]')
        .count(),
    ).toBe(counts.evals);

    // Curves: one path per stage, with every step; validation loss as dots.
    const lossChart = page.locator('figure').first();
    expect(await lossChart.locator('path.series[data-series="train loss"]').getAttribute('data-points')).toBe(
      String(counts.trainSteps),
    );
    expect(await lossChart.locator('path.series[data-series="finetune loss"]').getAttribute('data-points')).toBe(
      String(counts.finetuneSteps),
    );
    expect(await lossChart.locator('circle.dot').count()).toBe(counts.evals);
    const d = (await lossChart.locator('path.series[data-series="train loss"]').getAttribute('d'))!;
    expect(d.match(/[ML]/g)).toHaveLength(counts.trainSteps);
    // The train loss falls: its last point is drawn lower (larger y) than its first.
    const ys = [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => Number(m[2]));
    expect(ys.at(-1)!).toBeGreaterThan(ys[0]);
    const box = await lossChart.locator('svg').boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(await page.locator('figure', { hasText: 'Learning rate' }).locator('path.series').count()).toBe(2);

    // Tables.
    expect(await page.locator('table.eval tbody tr').allInnerTexts()).toEqual([
      'val/ppl\t12.34',
      'val/bpb\t1.07',
      'mc/accuracy\t0.625',
    ]);
    const rules = await page.locator('table.rules tbody tr').allInnerTexts();
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatch(/^min-length\tkiln:quality\t1,000\t80\t3,000\tfewer than 50 chars \(80\)/);
    expect(await page.locator('#data .totals').innerText()).toContain('Kept 870 of 1,000 documents (87%)');
    expect(await page.locator('table.throughput tbody tr').count()).toBe(2);
    expect(await page.locator('.card').first().innerText()).toContain('final train loss');

    // Compression: one row per compressor, sizes in binary units, perplexity change signed.
    expect(await page.locator('table.compression thead th').allInnerTexts()).toEqual([
      'compressor',
      'size before',
      'size after',
      'smaller by',
      'perplexity before',
      'perplexity after',
      'perplexity change',
      'settings',
    ]);
    expect(await page.locator('table.compression tbody tr').allInnerTexts()).toEqual([
      'prune\t50 MiB\t50 MiB\t1×\t12.5\t13.1\t+4.80%\tpattern=2:4, skip=["wte"], sparsity=0.5',
      'int8\t50 MiB\t14 MiB\t3.57×\t13.1\t13.1\t+0.02%\tbits=8, group=64',
      'int4\t50 MiB\t8.5 MiB\t5.88×\t—\t—\tnot measured\tbits=4, group=32',
    ]);
    expect(await page.locator('nav a').allInnerTexts()).toContain('compression');

    // Samples: shown as text, the script tag inert.
    expect(await page.locator('pre.prompt').nth(1).innerText()).toBe('<script>alert(1)</script>');
    expect(await page.locator('pre.completion').nth(1).innerText()).toBe('中文 & "quotes"');
    expect(await page.locator('#config').innerText()).toContain('kiln:gpt2@0.1.0');

    expect(requests).toEqual([pathToFileURL(path).href]);
    if (process.env.KILN_REPORT_SCREENSHOT)
      await page.screenshot({ path: process.env.KILN_REPORT_SCREENSHOT, fullPage: true });
    await page.close();
  });
});
