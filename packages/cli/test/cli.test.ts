/** The kiln command, called in-process through main(): exit codes, messages, init, doctor, --json, --set. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { describe, expect, onTestFinished, test } from 'vitest';
import { runCaptured } from '../src/index.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** A folder inside the repo, so `@kiln/core` resolves from config files written there. */
function tempDir(): string {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function kiln(argv: string[], cwd = tempDir()) {
  return { ...(await runCaptured(argv, { cwd })), cwd };
}

describe('kiln', () => {
  test('--help lists every pipeline command', async () => {
    const { code, stdout } = await kiln(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'run',
      'prepare',
      'tokenizer',
      'train',
      'finetune',
      'align',
      'eval',
      'generate',
      'compress',
      'export',
      'serve',
      'worker',
      'doctor',
      'init',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect((await kiln(['trian'])).code).toBe(1);
  });

  test('init writes a config that loads, and refuses to overwrite it', async () => {
    const first = await kiln(['init']);
    expect(first.code).toBe(0);
    const file = join(first.cwd, 'llm.config.ts');
    expect(first.stdout).toBe(`wrote ${file}\n`);
    expect(readFileSync(file, 'utf8')).toContain("import { defineConfig } from '@kiln/core'");
    const loaded = await createKiln({ cwd: first.cwd, logger: createMemoryLogger() });
    expect(loaded.config).toMatchObject({ name: 'my-model', seed: 1337, backend: 'auto', configFile: file });
    const again = await kiln(['init'], first.cwd);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; not overwriting it/);
  });

  test('a wrong field exits 2 naming the file and the field', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'llm.config.ts'), `export default { name: 'x', trian: {} };\n`);
    const { code, stderr } = await kiln(['train'], cwd);
    expect(code).toBe(2);
    expect(stderr).toContain(`${join(cwd, 'llm.config.ts')}: invalid config:`);
    expect(stderr).toContain('trian: unknown field (did you mean "train"?)');
    const json = await kiln(['train', '--json'], cwd);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { name: 'ConfigError', field: 'trian', file: join(cwd, 'llm.config.ts') },
    });
  });

  test('a plugin option error names the plugin; a stage without a provider says what to add; exit 2', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'llm.config.ts'),
      `export default { plugins: [['kiln-plugin-shout', { maxUpperShare: 3 }]] };\n`,
    );
    const bad = await kiln(['run'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /plugins\[0\]: \[kiln-plugin-shout\] plugin factory failed: maxUpperShare must be in \(0, 1\]/,
    );

    writeFileSync(join(cwd, 'llm.config.ts'), `export default { train: { steps: 10 } };\n`);
    const missing = await kiln(['train'], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/stage "train": no trainer\. Add a trainer plugin/);
    const noModel = await kiln(['generate', 'hello'], cwd);
    expect(noModel.code).not.toBe(0);
  });

  test('a stage command runs with --set and prints JSON results', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'llm.config.mjs'),
      `export default ({ env }) => ({
        name: env.RUN_NAME ?? 'cli',
        data: { repeat: 1 },
        plugins: [{
          name: 'lines',
          source: { name: 'lines', async *read(ctx) {
            for (let i = 0; i < ctx.config.data.repeat; i++) yield { id: String(i), text: 'line ' + i, origin: { source: 'lines' } };
          } },
        }],
      });\n`,
    );
    const { code, stdout, stderr } = await kiln(
      ['data', '--set', 'data.repeat=3', '--set', 'name=cli-json', '--json'],
      cwd,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({
      ok: true,
      runDir: join(cwd, 'runs/cli-json'),
      results: { data: { metrics: { docsIn: 3, docsOut: 3 } } },
    });
    const human = await kiln(['data', '--run-dir', 'elsewhere'], cwd);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^done: ${join(cwd, 'elsewhere')}\\n  data +docsIn=1 `));
  });

  test('doctor reports the machine and every backend', async () => {
    const { code, stdout } = await kiln(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.machine).toMatchObject({
      node: process.version,
      sharedArrayBuffer: true,
      wasmSimd: true,
      wasmThreads: true,
    });
    expect(report.machine.cpu.cores).toBeGreaterThan(0);
    expect(report.backends).toContainEqual(
      expect.objectContaining({ name: 'js', available: true, plugin: 'kiln:backend-js' }),
    );
    expect(Object.keys(report.packages)).toEqual([
      '@kiln/backend-native',
      '@kiln/backend-wasm',
      '@kiln/backend-webgpu',
    ]);
    const native = report.backends.find((b: { name: string }) => b.name === 'native');
    expect(native).toMatchObject({ plugin: 'kiln:backend-native', priority: 75, available: true });
    expect(native.describe).toMatchObject({ maxMemory: '64-bit (system RAM)' });
    expect(native.describe.threads).toBeGreaterThan(0);
  });
});
