/**
 * Finding and running the native reference implementations (Debian's
 * python3 with numpy / torch) for the benchmarks. Each probe says plainly
 * what is missing, so a table can print "not installed" with the fix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Debian's python3 first: a pyenv/conda python on PATH usually lacks these modules.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface Probe {
  ok: boolean;
  /** Version, or why not. */
  detail: string;
}

function py(args: string[], env: Record<string, string> = {}, timeoutMs = 30 * 60_000) {
  return spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs });
}

export function probe(module: 'numpy' | 'torch'): Probe {
  const r = py(['-c', `import ${module}; print(${module}.__version__)`]);
  if (r.status === 0) return { ok: true, detail: r.stdout.trim() };
  const pkg = module === 'numpy' ? 'python3-numpy' : 'python3-torch';
  return { ok: false, detail: `not installed (apt-get install ${pkg} libopenblas0-openmp)` };
}

/**
 * Debian's numpy and torch call libblas.so.3; without an optimized BLAS
 * installed that is the slow reference BLAS, which would flatter us.
 */
export function blasImplementation(): string {
  const r = spawnSync('sh', ['-c', 'readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (path.includes('openblas')) return `OpenBLAS (${path.includes('openmp') ? 'OpenMP' : 'pthreads'})`;
  if (path) return `reference BLAS (${path}): install libopenblas0-openmp for a fair comparison`;
  return 'unknown';
}

function threadEnv(threads: number): Record<string, string> {
  const t = String(threads);
  return { OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
}

export function numpySgemm(
  threads: number,
  reps: number,
  shapes: Array<[number, number, number, string]>,
): number[] | string {
  const r = py([`${HERE}numpy_sgemm.py`, String(reps), shapes.map((s) => s.join(',')).join(';')], threadEnv(threads));
  if (r.status !== 0) return `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!).results as number[];
}

export interface TorchTiming {
  ms_per_step: number;
  tokens_per_s: number;
  torch: string;
}

export function torchTrain(
  threads: number,
  s: { nLayer: number; nEmbd: number; nHead: number; vocab: number; T: number; B: number },
  steps: number,
): TorchTiming | string {
  const args = [threads, s.nLayer, s.nEmbd, s.nHead, s.vocab, s.T, s.B, steps].map(String);
  const r = py([`${HERE}torch_train.py`, ...args], threadEnv(threads));
  if (r.status !== 0) return `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchTiming;
}
