/**
 * MPI through the native addon (rust-kernels/src/native/mpi.rs): the library
 * is opened at run time, so nothing here needs MPI installed until a run is
 * launched by `mpirun`. Open MPI (libmpi.so.40) and the MPICH family
 * (libmpi.so.12: MPICH, Intel MPI, MVAPICH) are recognised;
 * KILN_MPI_LIBRARY names another file. Data moves in place on the host
 * arrays given: for this backend, its buffers themselves.
 */
import type { BroadcastArray, Collective, FloatArray } from '@kiln/tensor';
import { type Addon, loadAddon } from './addon.js';

export interface MpiLibrary {
  /** The handle ABI: 'Open MPI', or 'MPICH' for the MPICH family. */
  implementation: 'Open MPI' | 'MPICH';
  /** The file opened. */
  library: string;
  /** MPI_Get_library_version. */
  version: string;
  /** Its short form: 'Open MPI v4.1.4', 'MPICH 4.0.2'. */
  release: string;
}

type Env = Record<string, string | undefined>;

/** Libraries to try, most likely first: the launcher's own implementation leads; KILN_MPI_LIBRARY alone when set. */
export function mpiLibraryCandidates(env: Env = process.env, platform = process.platform): string[] {
  const ext = platform === 'darwin' ? (n: number) => `libmpi.${n}.dylib` : (n: number) => `libmpi.so.${n}`;
  const open = [ext(40)];
  // MPICH installs libmpi.so.12; Debian's libmpich12 names it libmpich.so.12.
  const mpich = platform === 'darwin' ? [ext(12)] : [ext(12), 'libmpich.so.12'];
  const pmi = env.PMI_RANK !== undefined && env.OMPI_COMM_WORLD_RANK === undefined;
  const byLauncher = pmi ? [...mpich, ...open] : [...open, ...mpich];
  return env.KILN_MPI_LIBRARY ? [env.KILN_MPI_LIBRARY] : byLauncher;
}

/** 'Open MPI v4.1.4, package: ...' → 'Open MPI v4.1.4'; 'MPICH Version:\t4.0.2 ...' → 'MPICH 4.0.2'. */
export function mpiRelease(version: string): string {
  const mpich = /MPICH Version:\s*(\S+)/.exec(version);
  return mpich ? `MPICH ${mpich[1]}` : version.split(',')[0].trim();
}

/** The MPI library this process can open, or why none. Opening runs no MPI code beyond MPI_Get_library_version. */
export function openMpi(env: Env = process.env): { addon: Addon; library: MpiLibrary } | { problem: string } {
  const loaded = loadAddon();
  if ('problem' in loaded) return { problem: `the native addon is needed for MPI: ${loaded.problem}` };
  const tried: string[] = [];
  for (const name of mpiLibraryCandidates(env)) {
    try {
      const library = JSON.parse(loaded.addon.mpiOpen(name)) as Omit<MpiLibrary, 'release'>;
      return { addon: loaded.addon, library: { ...library, release: mpiRelease(library.version) } };
    } catch (e) {
      tried.push((e as Error).message.replace(/^@kiln\/backend-native: mpiOpen /, ''));
    }
  }
  return {
    problem: `no MPI library could be opened (tried ${tried.join('; ')}); install Open MPI (Debian: apt-get install openmpi-bin libopenmpi3) or set KILN_MPI_LIBRARY to your libmpi`,
  };
}

export interface MpiCollectiveOptions {
  /** A collective waiting longer than this ends the process with exit code 70 (0: never). Default 600. */
  timeoutSeconds?: number;
  env?: Env;
}

const counts64 = (counts: readonly number[]) => Float64Array.from(counts);

/** MPI_COMM_WORLD as a Collective: MPI_Init (once per process), then the contract's calls. */
export function mpiCollective(options: MpiCollectiveOptions = {}): Collective {
  const opened = openMpi(options.env);
  if ('problem' in opened) throw new Error(`@kiln/backend-native: ${opened.problem}`);
  const { addon, library } = opened;
  const { rank, size } = JSON.parse(addon.mpiInit()) as { rank: number; size: number };
  addon.mpiSetTimeout(options.timeoutSeconds ?? 600);
  let closed = false;
  const live = (what: string) => {
    if (closed) throw new Error(`@kiln/backend-native: MPI ${what} after close()`);
  };
  return {
    rank,
    size,
    name: `${library.release} (${library.library})`,
    allReduce(buf: FloatArray) {
      live('allReduce');
      addon.mpiAllReduce(buf);
    },
    reduceScatter(send: FloatArray, recv: FloatArray, counts: readonly number[]) {
      live('reduceScatter');
      addon.mpiReduceScatter(send, recv, counts64(counts));
    },
    allGather(buf: FloatArray, counts: readonly number[]) {
      live('allGather');
      addon.mpiAllGather(buf, counts64(counts));
    },
    broadcast(buf: BroadcastArray, root = 0) {
      live('broadcast');
      addon.mpiBroadcast(buf, root);
    },
    barrier() {
      live('barrier');
      addon.mpiBarrier();
    },
    abort(code: number): never {
      addon.mpiAbort(code);
      process.exit(code); // MPI_Abort does not return; this is for a library that did
    },
    close() {
      if (closed) return;
      closed = true;
      addon.mpiFinalize();
    },
  };
}
