// kill -9 during an export, then export again as a user would: no temporary file of the killed
// writer stays behind, in the export folders or outside them.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeLeftovers } from '../src/leftovers.js';
import { exportContext, exportModel } from './export-fixture.js';

const CHILD = fileURLToPath(new URL('./child-export.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'kiln-export-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file and folder under `dir`, relative to it. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out.push(relative(dir, path));
    if (e.isDirectory()) out.push(...walk(path).map((p) => join(e.name, p)));
  }
  return out;
}

/** What Kiln put in a tmpdir (tsx keeps its own cache there too). */
const kilnTemps = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('kiln-'));

/** Runs exports in a child and SIGKILLs it once, after its first round, a temporary file is being written. */
function exportUntilKilled(outDir: string, childTmp: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=kiln-source', '--import', 'tsx', CHILD, outDir], {
      cwd: REPO,
      env: { ...process.env, TMPDIR: childTmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let rounds = 0;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => (rounds += d.toString().split('\n').length - 1));
    let seen: string[] = [];
    const poll = setInterval(() => {
      if (rounds < 1) return;
      // Mid-write: a temporary file in the export folders, or Kiln's in the child's own tmpdir.
      const temps = [...walk(outDir).filter((p) => p.endsWith('.tmp')), ...kilnTemps(childTmp)];
      if (temps.length === 0) return;
      seen = temps;
      clearInterval(poll);
      child.kill('SIGKILL');
    }, 2);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve(seen);
      else reject(new Error(`child exited with ${code}:\n${stderr}`));
    });
  });
}

describe('kill -9 during export', () => {
  it('the next export removes what the killed one left, and nothing lands outside the export folders', async () => {
    const outDir = join(root, 'export');
    const childTmp = join(root, 'child-tmp');
    mkdirSync(childTmp, { recursive: true });
    const seen = await exportUntilKilled(outDir, childTmp);
    expect(seen.length).toBeGreaterThan(0);
    // A model-sized folder in the system tmpdir would outlive the kill, and no export would find it.
    expect(kilnTemps(childTmp)).toEqual([]);
    const { ctx, model } = await exportContext();
    await exportModel(model, outDir, ctx);
    expect(walk(outDir).filter((p) => p.includes('.tmp'))).toEqual([]);
    expect(walk(outDir).sort()).toEqual(
      [
        'gguf',
        'gguf/model-f32.gguf',
        'huggingface',
        'huggingface/config.json',
        'huggingface/generation_config.json',
        'huggingface/model.safetensors',
        'huggingface/special_tokens_map.json',
        'huggingface/tokenizer.json',
        'huggingface/tokenizer_config.json',
      ].sort(),
    );
  });

  it('leaves alone the temporary files of a writer that is still running, and files that only look alike', async () => {
    const dir = join(root, 'live');
    mkdirSync(dir, { recursive: true });
    const live = `.model.gguf.${process.pid}.abc.tmp`;
    for (const name of [live, 'notes.tmp', '.hidden', 'model.gguf']) writeFileSync(join(dir, name), 'x');
    expect(await removeLeftovers(dir)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([live, '.hidden', 'model.gguf', 'notes.tmp'].sort());
  });
});
