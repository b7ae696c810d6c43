/**
 * knip, the second half of `npm run lint`: files nothing imports, exports nothing uses, and
 * dependencies a package uses without declaring them (or declares without using). Tests and
 * benches that import a package declare it (as devDependencies).
 * Entry points beyond each package's `exports`: tests, benches, configs (examples, test fixtures),
 * scripts run by hand, and modules loaded by URL in worker threads.
 * It reads the committed tree: files git does not track yet (another engineer's work in
 * progress) are left out, and so is the GPU bundle scripts/gpu-pack.sh builds. `npm run lint`
 * runs it without configuration hints (they would list those files); `npx knip` shows them.
 */
import { execFileSync } from 'node:child_process';
import type { KnipConfig } from 'knip';

function untracked(): string[] {
  try {
    return execFileSync('git', ['ls-files', '--others', '--exclude-standard', '--directory'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter(Boolean)
      .map((path) => (path.endsWith('/') ? `${path}**` : path));
  } catch {
    return []; // not a git checkout: every file counts
  }
}

/** A workspace's entries: its public entry, tests, benches and scripts, plus `more`. */
function workspace(more: string[] = []) {
  return {
    entry: ['bench/**/*.ts', 'test/**/*.test.ts', ...more],
    project: ['src/**/*.{ts,mjs}', 'bench/**/*.ts', 'test/**/*.ts'],
  };
}

export default {
  ignore: [...untracked(), 'scripts/gpu/bundle/**'],
  // An export its own file uses is part of that file's design, not dead code.
  ignoreExportsUsedInFile: true,
  // System tools the MPI and queue tests and `kiln doctor` call (apt packages, not npm ones).
  ignoreBinaries: ['mpirun', 'mpicc', 'redis-server'],
  // @kiln/tensor's conformance suite runs on the caller's vitest: an optional peer on purpose.
  exclude: ['optionalPeerDependencies'],
  ignoreIssues: {
    // dawnLoadError() (70c45e3) has no caller yet; left to its author rather than deleted here.
    'plugins/backend-webgpu/src/device.ts': ['exports'],
  },
  workspaces: {
    '.': {
      entry: ['scripts/**/*.{mjs,ts}', 'test/run-kiln.ts', 'test/**/*.test.ts'],
      project: ['scripts/**/*.{mjs,ts}', 'test/**/*.ts'],
      // Versions and publishes the packages, run by hand (npx lerna version).
      ignoreDependencies: ['lerna'],
    },
    'packages/*': workspace(),
    'packages/cli': workspace(['bin/*.js']),
    // Modules loaded by URL in worker threads: no import names them. Configs of test fixtures.
    'packages/data-runner': workspace(['workers/*.mjs', 'src/thread.ts', 'test/fixtures/*.config.ts']),
    'plugins/*': workspace(),
    'plugins/data': workspace(['src/encode/encode-task.ts', 'test/fixtures/**/*.config.ts']),
    'plugins/tokenizers': workspace(['src/encode-worker.ts', 'src/encode-worker-source.mjs']),
    // Scripts run by hand against llama.cpp.
    'plugins/export': workspace(['scripts/*.mjs']),
    'examples/*': {
      // A config and the scripts its README runs.
      entry: ['*.ts', 'test/**/*.test.ts'],
      project: ['*.ts', 'src/**/*.ts', 'test/**/*.ts'],
    },
    'examples/kiln-architecture-template': {
      entry: ['test/**/*.test.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
      // Imported by the llm.config.ts its test writes.
      ignoreDependencies: ['@kiln/compress', '@kiln/data', '@kiln/eval', '@kiln/export', '@kiln/trainer'],
    },
  },
} satisfies KnipConfig;
