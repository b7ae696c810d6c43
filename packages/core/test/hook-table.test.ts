/**
 * The hook table (HOOKS in src/hooks.ts) is the one place a hook's kind is
 * stated: the guide's table of kinds must say the same, and tapping a plugin
 * that has every hook reaches every hook point the table declares.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { tapPlugin } from '../src/adapter.js';
import { createHooks, HOOK_NAMES, HOOKS, PLUGIN_FIELDS } from '../src/hooks.js';
import type { KilnPlugin } from '../src/index.js';

test("the guide's table of hook kinds lists every hook under the kind HOOKS gives it", () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const listed = new Map<string, string>();
  for (const [, kind, cell] of readme.matchAll(/^\| (first|sequential|series|parallel) \| (.*?) \|/gm)) {
    for (const [, name] of cell.matchAll(/`(\w+)`/g)) listed.set(name, kind);
  }
  const kinds = Object.fromEntries(HOOK_NAMES.map((name) => [name, HOOKS[name].kind]));
  expect(Object.fromEntries(listed)).toEqual(kinds);
});

test('a plugin with every hook taps every hook point of the table', () => {
  const fn = () => undefined;
  const provider = {
    name: 'p',
    stage: 'train',
    rule: 'r',
    format: 'f',
    priority: 1,
    clean: fn,
    read: fn,
    load: fn,
    train: fn,
    run: fn,
    create: fn,
    available: fn,
    score: fn,
    evaluate: fn,
    compress: fn,
    export: fn,
    engine: fn,
  };
  const everything: Record<string, unknown> = { name: 'all' };
  for (const name of HOOK_NAMES)
    everything[name] = name === 'config' || name.startsWith('on') || name === 'configResolved' ? fn : provider;
  const hooks = createHooks();
  tapPlugin(hooks, everything as unknown as KilnPlugin);
  const untapped = Object.entries(hooks)
    .filter(([, point]) => point.taps.length === 0)
    .map(([name]) => name);
  expect(untapped).toEqual([]);
  expect(HOOK_NAMES.some((name) => (PLUGIN_FIELDS as readonly string[]).includes(name))).toBe(false);
});
