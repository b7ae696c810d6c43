/** `kiln report` comes from this plugin's `command` hook: listed with the plugin's name, it writes the run's page. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { expect, onTestFinished, test } from 'vitest';
import { writeFixtureRun } from './fixture-run.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const kiln = (argv: string[], cwd: string) => runCaptured(argv, { cwd });

test('kiln report is the report plugin command: listed with its plugin, it writes the page of the config run', async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'report-command-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(
    join(cwd, 'llm.config.ts'),
    "import report from '@kiln/report';\nexport default { name: 'fixture', plugins: [report()] };\n",
  );
  writeFixtureRun(join(cwd, 'runs/fixture'));

  const help = await kiln(['--help'], cwd);
  expect(help.stdout).toMatch(/^ {2}report \[options\]\s+turn a run into a page[\s\S]*?\(from\s+kiln:report\)/m);
  const json = await kiln(['report', '--json'], cwd);
  expect(json.code, json.stderr).toBe(0);
  const page = join(cwd, 'runs/fixture/report.html');
  expect(JSON.parse(json.stdout)).toEqual({ ok: true, report: page });
  expect(readFileSync(page, 'utf8')).toContain('<html');
  const out = await kiln(['report', '-o', 'page.html'], cwd);
  expect(out).toMatchObject({ code: 0, stdout: `wrote ${join(cwd, 'page.html')}\n` });
  expect(existsSync(join(cwd, 'page.html'))).toBe(true);
});
