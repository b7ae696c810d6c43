import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KilnContext } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import report from '../src/index.js';
import { writeFixtureRun } from './fixture-run.js';

describe('report plugin', () => {
  it('writes the page at the end of a run and logs where', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-plugin-'));
    writeFixtureRun(root);
    const logged: string[] = [];
    const ctx = {
      runDir: { root, path: (...parts: string[]) => join(root, ...parts) },
      logger: { info: (m: string) => logged.push(m), debug() {}, warn() {}, error() {} },
    } as unknown as KilnContext;
    const plugin = report({ file: 'out/page.html' });
    expect(plugin.name).toBe('kiln:report');
    await plugin.onRunEnd!({}, ctx);
    expect(existsSync(join(root, 'out/page.html'))).toBe(true);
    expect(logged).toEqual([`report: ${join(root, 'out/page.html')}`]);
  });
});
