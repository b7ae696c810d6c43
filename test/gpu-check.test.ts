/**
 * The prepared GPU check, end to end as a GPU machine would run it: scripts/gpu-pack.sh builds
 * the archive, the archive is unpacked somewhere else, and its own gpu-check.sh runs the
 * conformance suite and the training bench on SwiftShader (--swiftshader --quick). A bundle that
 * cannot start, a check that reports the wrong cause, or a missing table fails here, not on the
 * only minutes of GPU time we may get.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
const missing = [SWIFTSHADER_ICD, VULKAN_LOADER].filter((f) => !existsSync(f));
if (missing.length)
  console.warn(`gpu-check test skipped: ${missing.join(', ')} missing (apt-get install chromium libvulkan1)`);

const work = mkdtempSync(join(tmpdir(), 'kiln-gpu-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(missing.length > 0)('scripts/gpu-check.sh --swiftshader --quick from the packed archive', () => {
  test('packs, unpacks, passes conformance and prints the bench table', { timeout: 600_000 }, () => {
    const archive = join(work, 'kiln-gpu.tar.xz');
    execFileSync('bash', [join(REPO_ROOT, 'scripts/gpu-pack.sh')], {
      env: {
        ...process.env,
        KILN_GPU_ARCHIVE: archive,
        KILN_GPU_BUNDLE_DIR: join(work, 'build'),
        KILN_GPU_XZ_LEVEL: '0',
      },
      stdio: 'pipe',
    });
    execFileSync('tar', ['-C', work, '-xJf', archive]);

    const out = join(work, 'results');
    const run = spawnSync('bash', [join(work, 'kiln-gpu/gpu-check.sh'), '--swiftshader', '--quick'], {
      env: { ...process.env, OUT: out },
      encoding: 'utf8',
    });
    const printed = `${run.stdout}${run.stderr}`;
    expect(printed, printed).not.toMatch(/Dynamic require|failed before asking|no adapter/);
    expect(run.status, printed).toBe(0);
    expect(printed).toMatch(/adapter: google swiftshader/i);
    expect(printed).toMatch(/conformance \(gpu shapes\) on .*: [1-9]\d* passed, 0 failed/);
    expect(printed).toMatch(/matmul (64)×64×64 a·bᵀ: [\d.]+ ms, [\d.]+ GFLOP\/s/);
    expect(printed).toMatch(/GPT-2 tiny B=2 T=32: [\d.]+ ms\/step, \d+ tokens\/s/);
    expect(printed).toMatch(/=== .*: Kiln WebGPU vs PyTorch/);

    const conformance = JSON.parse(readFileSync(join(out, 'conformance.json'), 'utf8'));
    expect(conformance.failed).toEqual([]);
    const bench = JSON.parse(readFileSync(join(out, 'webgpu.json'), 'utf8'));
    expect(bench.train.tokensPerSecond).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toMatch(/results in .* \(exit 0\)/);
  });
});
