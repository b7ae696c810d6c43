/**
 * Launching ranks with Open MPI's `mpirun` for the data-parallel tests and
 * benches (CI installs openmpi-bin). Where mpirun is missing, `mpirunMissing`
 * says so and those tests skip with that message.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });

/** Why the MPI tests skip here, or undefined when mpirun runs. */
export const mpirunMissing: string | undefined =
  probe.status === 0
    ? undefined
    : 'mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev): skipping the data-parallel (MPI) tests';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Node on the TypeScript sources, as the tests run them. */
export const NODE_TS = [process.execPath, '--conditions=kiln-source', '--import', 'tsx'];

/** mpirun's own arguments for `np` ranks on this machine: as root it needs leave, and more ranks than cores are fine. */
export function mpirunArgs(np: number, o: { tcp?: boolean } = {}): string[] {
  return [
    ...(process.getuid?.() === 0 ? ['--allow-run-as-root'] : []),
    '--oversubscribe',
    // TCP loopback instead of shared memory: what ranks on separate machines use.
    ...(o.tcp ? ['--mca', 'btl', 'self,tcp'] : []),
    '-np',
    String(np),
  ];
}

export interface MpiRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `mpirun <args> <command...>` from the repository root; resolves when it exits.
 * `onLine` sees each stdout line as it comes (a test may kill a rank from it).
 */
export function runMpi(
  np: number,
  command: readonly string[],
  o: { tcp?: boolean; env?: Record<string, string>; timeoutMs?: number; onLine?: (line: string) => void } = {},
): Promise<MpiRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('mpirun', [...mpirunArgs(np, o), ...command], {
      cwd: REPO,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        o.onLine?.(line);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = o.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`mpirun did not finish within ${o.timeoutMs} ms:\n${stderr}`));
        }, o.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}
