/**
 * `kiln run`, the real command in its own process, refuses a config whose names
 * do not resolve before any stage starts: a typo in model.*, an unknown backend,
 * a model vocabulary smaller than the tokenizer's, a plugin that is not there.
 * Each exits 2 with the field and the plugin named, prints no stage line and
 * writes no run directory; the time to the error is printed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const KILN = join(REPO_ROOT, 'test/run-kiln.ts');

const CONFIG = (plugins: string, imports = '') => `import { defineConfig } from '@kiln/core';
import { shards, textFiles } from '@kiln/data';
import gpt2 from '@kiln/gpt2';
import tokenizers from '@kiln/tokenizers';
${imports}
export default defineConfig({
  name: 'preflight',
  backend: 'js',
  plugins: [${plugins}],
  tokenizer: { type: 'bpe', vocabSize: 300 },
  encode: {},
  model: { architecture: 'gpt2', vocabSize: 300, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
  train: { trainer: 'causal-lm', steps: 2, batchSize: 2, seqLen: 16 },
});
`;

let dir: string;

beforeAll(() => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  dir = mkdtempSync(join(base, 'preflight-'));
  writeFileSync(join(dir, 'corpus.txt'), 'The state of the union is strong.\n\n'.repeat(2000));
  const trainer = "import trainer from '@kiln/trainer';";
  writeFileSync(
    join(dir, 'llm.config.ts'),
    CONFIG("textFiles({ include: 'corpus.txt' }), tokenizers(), shards(), gpt2(), trainer()", trainer),
  );
  writeFileSync(
    join(dir, 'no-trainer.config.ts'),
    CONFIG("textFiles({ include: 'corpus.txt' }), tokenizers(), shards(), gpt2()"),
  );
  writeFileSync(
    join(dir, 'missing-package.config.ts'),
    CONFIG("textFiles({ include: 'corpus.txt' }), tokenizers(), shards(), gpt2(), 'kiln-plugin-not-installed'"),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kiln(args: string[]): Promise<{ code: number | null; output: string; seconds: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=kiln-source', '--import', 'tsx', KILN, 'run', ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, output, seconds: (performance.now() - started) / 1000 }));
  });
}

describe('kiln run resolves every name before the first stage', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'a typo in model.*',
      ['--set', 'model.nLayers=2'],
      /model\.nLayers: unknown field \(did you mean "nLayer"\?\) \[plugin kiln:gpt2\]/,
    ],
    [
      'an unknown backend',
      ['--set', 'backend=nope'],
      /backend: no installed backend is named "nope"; installed backends: js \(kiln:backend-js\), /,
    ],
    [
      'a vocabulary mismatch',
      ['--set', 'model.vocabSize=256'],
      /model\.vocabSize: 256 is smaller than tokenizer\.vocabSize 300 \(kiln:tokenizers\): .* \[plugin kiln:gpt2\]/,
    ],
    [
      'a plugin missing from the config',
      ['-c', 'no-trainer.config.ts'],
      /train\.trainer: no trainer named "causal-lm"\. Add a trainer plugin/,
    ],
    [
      'a plugin package not installed',
      ['-c', 'missing-package.config.ts'],
      /plugins\[4\]: cannot find plugin package "kiln-plugin-not-installed"/,
    ],
  ];
  for (const [what, args, message] of cases) {
    test(`${what}: exit 2, the field and the plugin named, no stage started`, async () => {
      rmSync(join(dir, 'runs'), { recursive: true, force: true });
      const { code, output, seconds } = await kiln(args);
      console.log(`kiln run ${args.join(' ')}: exit ${code} after ${seconds.toFixed(1)} s`);
      expect(output).toMatch(message);
      expect(code).toBe(2);
      expect(output).not.toMatch(/stage (data|tokenizer|encode|train)/);
      expect(existsSync(join(dir, 'runs/preflight'))).toBe(false);
      // Process start and the TypeScript transform included: nowhere near a data + tokenizer + encode pass.
      expect(seconds).toBeLessThan(30);
    });
  }
});
