/**
 * Commands on a machine without a GPU print nothing of Dawn's: with backend 'auto', `kiln generate`
 * and `kiln doctor` (real processes, so output written by native code is seen) leave out Dawn's
 * Vulkan warnings and their C++ source paths, and say in one line why WebGPU is not used.
 * VK_ICD_FILENAMES naming a file that is not there
 * stands for a machine with no Vulkan driver at all.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const KILN = join(REPO_ROOT, 'test/run-kiln.ts');
const CONFIG = `import gpt2 from '@kiln/gpt2';
const bytes = {
  type: 'test-bytes', vocabSize: 257, specialTokens: { '<|endoftext|>': 256 }, eosId: 256,
  encode: (t) => [...Buffer.from(t, 'utf8')],
  decode: (ids) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8'),
  hash: () => 'test-bytes', toJSON: () => ({ model: { type: 'test-bytes' } }),
};
const tokenizer = { name: 'test-bytes', async train() { return bytes; }, async load() { return bytes; } };
export default { name: 'quiet', backend: 'auto', plugins: [gpt2(), { name: 'test-bytes', tokenizer }] };
`;

let dir: string;
beforeAll(async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  dir = mkdtempSync(join(base, 'quiet-gpu-'));
  writeFileSync(join(dir, 'llm.config.ts'), CONFIG);
  const model = new GPT2(
    { vocabSize: 257, nPositions: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
    new ReferenceBackend(),
    createRng(1),
  );
  await model.save(join(dir, 'model'));
  mkdirSync(join(dir, 'runs/quiet/tokenizer'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kiln(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=kiln-source', '--import', 'tsx', KILN, ...args], {
      cwd: dir,
      env: { ...process.env, VK_ICD_FILENAMES: join(dir, 'no-such-driver.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, output }));
  });
}

const dawnNoise = /Warning: |vkCreateInstance|\.cpp:\d+/;

describe('no GPU: nothing of Dawn in the output', () => {
  test('kiln generate: says why WebGPU is not used, without Dawn warnings', async () => {
    const r = await kiln(['generate', '--model', 'model', '-n', '2', '--seed', '1', 'Hi']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(dawnNoise);
    expect(r.output).toMatch(/webgpu: no Vulkan driver/);
  });

  test('kiln doctor: webgpu unavailable with the reason, without Dawn warnings', async () => {
    const r = await kiln(['doctor']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(dawnNoise);
    expect(r.output).toMatch(/webgpu .*unavailable: no Vulkan driver/);
  });
});
