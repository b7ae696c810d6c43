/**
 * The npm story end to end: a config names a third-party plugin package
 * ('kiln-plugin-shout', installed in node_modules as a workspace), Kiln
 * imports it from the config's folder, calls its factory with the options,
 * and its cleaner runs in the data stage on real text.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

// Public-domain text (the US Declaration of Independence, 1776), a shouted notice, and Chinese.
const CORPUS = [
  'When in the Course of human events, it becomes necessary for one people to dissolve the political bands which have connected them with another.',
  'We hold these truths to be self-evident, that all men are created equal, that they are endowed by their Creator with certain unalienable Rights.',
  'NOTICE: ALL CITIZENS MUST ASSEMBLE IN THE TOWN SQUARE AT NOON. NO EXCEPTIONS WILL BE MADE.',
  'Prudence, indeed, will dictate that Governments long established should not be changed for light and transient causes.',
  'BREAKING NEWS!!! THE KING HAS REFUSED HIS ASSENT TO LAWS, THE MOST WHOLESOME AND NECESSARY FOR THE PUBLIC GOOD',
  '人人生而平等，造物者赋予他们若干不可剥夺的权利，其中包括生命权、自由权和追求幸福的权利。',
];

test('a plugin named in llm.config.ts is loaded from node_modules and cleans real text', async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'by-name-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'corpus.jsonl'), CORPUS.map((text) => JSON.stringify({ text })).join('\n'));
  writeFileSync(
    join(dir, 'llm.config.ts'),
    `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type KilnPlugin } from '@kiln/core';

// A local source plugin, beside the npm one.
const jsonl = (file: string): KilnPlugin => ({
  name: 'local-jsonl',
  source: {
    name: file,
    async *read(ctx) {
      const lines = readFileSync(join(ctx.config.root, file), 'utf8').split('\\n');
      for (const [i, line] of lines.entries()) yield { id: file + ':' + i, text: JSON.parse(line).text, origin: { source: file, file, line: i + 1 } };
    },
  },
});

export default defineConfig({
  name: 'shout-demo',
  plugins: [jsonl('corpus.jsonl'), ['kiln-plugin-shout', { maxUpperShare: 0.9 }]],
  data: {},
});
`,
  );
  const kiln = await createKiln({ cwd: dir, logger: createMemoryLogger() });
  expect(kiln.config.plugins.map((p) => p.name)).toEqual(['local-jsonl', 'kiln-plugin-shout', 'kiln:backend-js']);
  const results = await kiln.run();
  expect(results.data.metrics).toMatchObject({ docsIn: 6, docsOut: 4, dropped: 2 });

  const runDir = join(dir, 'runs/shout-demo');
  const kept = readFileSync(join(runDir, 'data/clean.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).text);
  expect(kept).toEqual([CORPUS[0], CORPUS[1], CORPUS[3], CORPUS[5]]);
  const report = JSON.parse(readFileSync(join(runDir, 'data/report.json'), 'utf8'));
  expect(report.rules.shouting).toMatchObject({
    plugin: 'kiln-plugin-shout',
    docsIn: 6,
    docsOut: 4,
    dropped: 2,
    examples: [
      { id: 'corpus.jsonl:2', detail: 'upper-case share 1.00 ≥ 0.9' },
      { id: 'corpus.jsonl:4', detail: 'upper-case share 1.00 ≥ 0.9' },
    ],
  });
});
