import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { configTarget } from '../src/options.js';

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-target-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'example'));
  writeFileSync(join(dir, 'example/llm.config.ts'), 'export default {};\n');
  return dir;
}

test('kiln run <folder> works in that folder; --run-dir stays relative to where it was typed', () => {
  const cwd = folder();
  expect(configTarget(cwd, undefined, {})).toEqual({});
  expect(configTarget(cwd, 'example', {})).toEqual({ cwd: join(cwd, 'example') });
  expect(configTarget(cwd, 'example', { runDir: 'out' })).toEqual({
    cwd: join(cwd, 'example'),
    runDir: join(cwd, 'out'),
  });
});

test('kiln run <file> takes the file as the config', () => {
  const cwd = folder();
  expect(configTarget(cwd, 'example/llm.config.ts', {})).toEqual({
    cwd: join(cwd, 'example'),
    configFile: 'llm.config.ts',
  });
  expect(() => configTarget(cwd, 'example/llm.config.ts', { config: 'other.ts' })).toThrow(/either as .* or with -c/);
});

test('a target that does not exist is a config error (exit code 2)', () => {
  const cwd = folder();
  let error: unknown;
  try {
    configTarget(cwd, 'nowhere', {});
  } catch (e) {
    error = e;
  }
  expect((error as Error).message).toMatch(/nowhere: no such folder or config file/);
  expect((error as { exitCode?: number }).exitCode).toBe(2);
});
