/**
 * `kiln doctor`'s MPI line: whether data-parallel training (`mpirun -np N kiln train`) can run
 * here, i.e. whether the native addon opens a libmpi (nothing is initialised), and which mpirun is
 * on the PATH.
 */
import { spawnSync } from 'node:child_process';

export interface MpiReport {
  /** true, or why not. */
  available: true | string;
  /** 'Open MPI' or 'MPICH' (the handle ABI), the file opened, MPI_Get_library_version and its short form. */
  implementation?: string;
  release?: string;
  library?: string;
  version?: string;
  /** `mpirun --version`'s first line, or undefined when there is none on the PATH. */
  mpirun?: string;
}

type Opened =
  | { library: { implementation: string; library: string; version: string; release: string } }
  | { problem: string };

export async function checkMpi(env: Record<string, string | undefined>): Promise<MpiReport> {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8', env: { ...process.env, ...env } });
  const mpirun = probe.status === 0 ? probe.stdout.split('\n')[0].trim() : undefined;
  let opened: Opened;
  try {
    const native = (await import('@kiln/backend-native' as string)) as { openMpi(env: unknown): Opened };
    opened = native.openMpi(env);
  } catch (e) {
    opened = {
      problem: `@kiln/backend-native (which opens MPI) is not installed or failed to load: ${(e as Error).message}`,
    };
  }
  if ('problem' in opened) return { available: opened.problem, ...(mpirun && { mpirun }) };
  return { available: true, ...opened.library, ...(mpirun && { mpirun }) };
}

export function formatMpi(m: MpiReport): string {
  const launcher = m.mpirun ? `; ${m.mpirun}` : '; no mpirun on the PATH';
  if (m.available !== true) return `not available: ${m.available}${launcher}`;
  return `${m.release} (${m.library}, ${m.implementation} handles)${launcher}`;
}
