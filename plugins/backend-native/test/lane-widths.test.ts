// The pointwise, loss, norm, optimizer and attention kernels have 16-, 8-
// and 4-lane native code (rust-kernels/src/lanes), and a machine runs only
// its widest. So on a wider machine the conformance suite and the
// 1 == 3 threads check run again in child processes with KILN_NATIVE_LANES
// capping the width: the AVX2+FMA code and the 4-lane fallback are tested
// on AVX-512 machines too.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/addon.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const loaded = loadAddon();
const cpu = 'info' in loaded ? loaded.info.cpu : [];
const widest = cpu.includes('avx512f') ? 16 : cpu.includes('avx2') && cpu.includes('fma') ? 8 : 4;

describe('native kernels on every lane width this CPU has', () => {
  for (const lanes of [8, 4].filter((w) => w < widest)) {
    it(`${lanes} lanes: conformance and 1 == 3 threads pass`, () => {
      const tests = ['conformance.test.ts', 'determinism.test.ts'].map((f) => join('plugins/backend-native/test', f));
      const run = spawnSync(process.execPath, [vitest, 'run', ...tests], {
        cwd: root,
        env: { ...process.env, KILN_NATIVE_LANES: String(lanes) },
        encoding: 'utf8',
      });
      // eslint-disable-next-line no-control-regex
      const out = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
      expect(run.status, out.slice(-4000)).toBe(0);
      expect(out).toMatch(/Tests\s+\d+ passed/);
    }, 300_000);
  }
});
