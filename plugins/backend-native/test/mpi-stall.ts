// One rank of mpi.test.ts's watchdog case: rank 1 stalls before the all-reduce rank 0 waits in;
// with a 2-second limit, rank 0 must give up and exit (code 70) instead of waiting for it.
import { mpiCollective } from '../src/mpi.js';

const c = mpiCollective({ timeoutSeconds: 2 });
if (c.rank === 1) await new Promise((resolve) => setTimeout(resolve, 30_000));
c.allReduce(new Float32Array(4));
process.stdout.write(`rank ${c.rank} finished the all-reduce\n`);
c.close();
