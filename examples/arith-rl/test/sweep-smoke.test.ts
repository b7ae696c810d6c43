// CI's short run of the sweep script (npm run smoke: tiny budgets, 2 seeds), twice: it must finish,
// print the whole table, run each seed's training on the data prepared once (the seed is not part of
// the data, tokenizer and encode stages' cache keys), and print the same table both times.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function smoke(): string {
  const r = spawnSync(
    process.execPath,
    ['--conditions=kiln-source', '--import', 'tsx', 'sweep.ts', '--smoke', '--fresh'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const table = (out: string) => out.slice(0, out.indexOf('\n\n'));

test('the sweep runs end to end on prepared data and prints the same table twice', { timeout: 600_000 }, () => {
  const first = smoke();
  for (const row of ['pretrained', 'SFT', 'GRPO, reward-model reward', 'GRPO, exact-match reward', 'DPO']) {
    expect(first).toMatch(new RegExp(`^${row} +\\d+\\.\\d \\[`, 'm'));
  }
  expect(first).toMatch(/^reward model, pairwise accuracy on \d+ held-out pairs +\d/m);
  expect(first).toMatch(/^GRPO, reward-model reward +[+−]\d+\.\d \[/m);
  expect(first).toMatch(/backend \w+; 2 seeds/);
  for (const seed of [1, 2]) {
    const log = readFileSync(join(ROOT, `runs/smoke/arith-seed-${seed}/sweep.log`), 'utf8');
    expect(log).toContain('prepared stages reused: data, tokenizer, encode');
    expect(log).toContain('stage train');
  }
  expect(table(smoke())).toBe(table(first));
});
