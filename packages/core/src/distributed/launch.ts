/**
 * Data-parallel runs: Kiln detects a launch by `mpirun` (or another PMI
 * launcher) from the environment and joins MPI_COMM_WORLD through the native
 * addon (@kiln/backend-native's mpiCollective, opened at run time). Outside
 * such a launch nothing changes: one process, `singleProcess()`.
 */
import { type Collective, singleProcess } from '@kiln/tensor';
import { KilnError, messageOf } from '../errors.js';

type Env = Record<string, string | undefined>;

/** Where this process sits in a launch, as the launcher's environment says. */
export interface Launch {
  rank: number;
  size: number;
  /** The variable that said so, for messages. */
  via: string;
}

const LAUNCHERS: ReadonlyArray<[rank: string, size: string]> = [
  ['OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE'], // Open MPI's mpirun
  ['PMI_RANK', 'PMI_SIZE'], // MPICH's hydra, Intel MPI, Slurm's srun --mpi=pmi2
  ['PMIX_RANK', 'PMIX_SIZE'],
];

/** The launch this process belongs to, or undefined outside one (or in a launch of one process). */
export function detectLaunch(env: Env): Launch | undefined {
  for (const [rankVar, sizeVar] of LAUNCHERS) {
    if (env[rankVar] === undefined || env[sizeVar] === undefined) continue;
    const rank = Number(env[rankVar]);
    const size = Number(env[sizeVar]);
    if (!Number.isInteger(rank) || !Number.isInteger(size) || rank < 0 || rank >= size)
      throw new KilnError(
        `the launcher's environment is inconsistent: ${rankVar}=${env[rankVar]}, ${sizeVar}=${env[sizeVar]}`,
      );
    return size > 1 ? { rank, size, via: `${sizeVar}=${size}` } : undefined;
  }
  return undefined;
}

export type CollectiveOpener = (env: Env) => Promise<Collective>;

/** MPI through @kiln/backend-native; KILN_MPI_TIMEOUT (seconds) bounds each collective's wait. */
const openMpi: CollectiveOpener = async (env) => {
  const native = (await import('@kiln/backend-native' as string)) as {
    mpiCollective(o: { env: Env; timeoutSeconds?: number }): Collective;
  };
  const timeout = env.KILN_MPI_TIMEOUT === undefined ? undefined : Number(env.KILN_MPI_TIMEOUT);
  if (timeout !== undefined && !(timeout >= 0))
    throw new Error(`KILN_MPI_TIMEOUT must be a number of seconds (0: no limit), got '${env.KILN_MPI_TIMEOUT}'`);
  return native.mpiCollective({ env, ...(timeout !== undefined && { timeoutSeconds: timeout }) });
};

/**
 * The group this process trains in: MPI when launched as one of several
 * ranks (an error, exit code 2, when MPI cannot be opened), else one process.
 */
export async function joinLaunch(env: Env, open: CollectiveOpener = openMpi): Promise<Collective> {
  const launch = detectLaunch(env);
  if (!launch) return singleProcess();
  let collective: Collective;
  try {
    collective = await open(env);
  } catch (error) {
    throw new KilnError(
      `launched as rank ${launch.rank} of ${launch.size} (${launch.via}), but MPI cannot be used: ${messageOf(error)}`,
      { cause: error, exitCode: 2 },
    );
  }
  if (collective.rank !== launch.rank || collective.size !== launch.size)
    throw new KilnError(
      `MPI says rank ${collective.rank} of ${collective.size}, the launcher rank ${launch.rank} of ${launch.size} (${launch.via}): ` +
        `the MPI library opened (${collective.name}) is not the one mpirun belongs to; set KILN_MPI_LIBRARY to the right libmpi`,
      { exitCode: 2 },
    );
  return collective;
}
