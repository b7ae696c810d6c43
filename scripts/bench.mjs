#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Runs every benchmark in packages/*/bench and plugins/*/bench (files named
// *.bench.ts or *.bench.mjs), one process each, against TypeScript sources.
// Each benchmark prints its own table and writes bench-results/<name>.json.
// Usage: npm run bench [-- <substring filter>]
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2] ?? '';
const files = [];
for (const group of ['packages', 'plugins']) {
  for (const pkg of readdirSync(join(root, group))) {
    const dir = join(root, group, pkg, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (/\.bench\.(ts|mjs)$/.test(f) && join(group, pkg, f).includes(filter)) files.push(join(dir, f));
    }
  }
}
mkdirSync(join(root, 'bench-results'), { recursive: true });
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file.slice(root.length)} ===`);
  const r = spawnSync(process.execPath, ['--conditions=kiln-source', '--import', 'tsx', file], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) failed++;
}
if (files.length === 0) console.log(`no benchmarks match "${filter}"`);
process.exit(failed ? 1 : 0);
