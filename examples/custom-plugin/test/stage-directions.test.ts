import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { describe, expect, onTestFinished, test } from 'vitest';
import stageDirections, { directionPattern, stripDirections } from '../src/index.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
// Lines of the 2021 address (public domain), as the transcript has them.
const SPEECH = readFileSync(join(REPO_ROOT, 'examples/quickstart/data/heldout-2021.txt'), 'utf8');

describe('stripDirections', () => {
  const pattern = directionPattern();
  test('removes the notes and tidies the text around them', () => {
    expect(stripDirections('Thank you. (Applause.) Thank you.', pattern)).toEqual({
      text: 'Thank you. Thank you.',
      removed: 1,
    });
    expect(stripDirections('Madam Vice President—(applause)—no President', pattern).text).toBe(
      'Madam Vice President—no President',
    );
    expect(stripDirections('deer are wearing Kevlar vests? (Laughter.) They', pattern).text).toBe(
      'deer are wearing Kevlar vests? They',
    );
    expect(stripDirections('We did it [Applause and cheers] together .', pattern).text).toBe('We did it together.');
  });
  test('leaves ordinary parentheses and text without notes alone', () => {
    const text = 'The plan (which passed in 1990) was a success.';
    expect(stripDirections(text, pattern)).toEqual({ text, removed: 0 });
  });
  test('on a real transcript: every note goes, the words stay', () => {
    const { text, removed } = stripDirections(SPEECH, pattern);
    expect(removed).toBeGreaterThan(80);
    expect(text).not.toMatch(/applause|laughter/i);
    expect(text).toContain('America is on the move again—turning peril into possibility');
    expect(text.length).toBeGreaterThan(SPEECH.length * 0.9);
  });
});

describe('the plugin', () => {
  test('options are checked, naming the option', () => {
    expect(() => stageDirections({ penalty: 0 })).toThrow(/penalty must be in \(0, 2\]/);
    expect(() => stageDirections({ words: [] })).toThrow(/words must be a non-empty list/);
    expect(() => stageDirections({ wrods: ['x'] } as never)).toThrow(/unknown option "wrods"/);
  });

  test('used by package name from llm.config.ts: the cleaner runs in the data stage, the reward scores completions', async () => {
    const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
    mkdirSync(base, { recursive: true });
    const dir = mkdtempSync(join(base, 'stage-directions-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'speech.txt'), SPEECH.slice(0, 4000));
    writeFileSync(join(dir, 'notes.txt'), '(Applause.)\n[Laughter]');
    writeFileSync(
      join(dir, 'llm.config.ts'),
      `import { defineConfig } from '@kiln/core';
import { textFiles } from '@kiln/data';
export default defineConfig({
  name: 'directions',
  plugins: [textFiles({ include: ['speech.txt', 'notes.txt'] }), ['kiln-plugin-stage-directions', { penalty: 0.75 }]],
  data: {},
});
`,
    );
    const kiln = await createKiln({ cwd: dir, logger: createMemoryLogger() });
    try {
      const results = await kiln.run(['data']);
      expect(results.data.metrics).toMatchObject({ docsIn: 2, docsOut: 1, dropped: 1 });
      const [kept] = readFileSync(join(dir, 'runs/directions/data/clean.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).text as string);
      expect(kept).not.toMatch(/\(applause\.?\)/i);
      expect(kept.startsWith('Thank you. Thank you. Thank you. Good to be back.')).toBe(true);
      const report = JSON.parse(readFileSync(join(dir, 'runs/directions/data/report.json'), 'utf8'));
      expect(report.rules['stage-directions']).toMatchObject({ plugin: 'kiln-plugin-stage-directions', dropped: 1 });

      const hooks = kiln.context().hooks;
      expect(
        await hooks.reward({ prompt: 'My fellow Americans,', completion: ' we will build back better.' }),
      ).toMatchObject({ total: 1 });
      expect(
        await hooks.reward({ prompt: 'My fellow Americans,', completion: ' (Applause.) we will (Applause.)' }),
      ).toMatchObject({ total: -0.5 });
    } finally {
      await kiln.close();
    }
  });
});
