// One rank of distributed.bench.ts: MPI all-reduce (sum, in place, f32) of each size, timed after a warm-up.
// argv: JSON [{ mb, reps }]. Rank 0 prints one JSON line per size: the median seconds over reps.
import { mpiCollective } from '@kiln/backend-native';

const sizes = JSON.parse(process.argv[2]) as Array<{ mb: number; reps: number }>;
const c = mpiCollective();
for (const { mb, reps } of sizes) {
  const buf = new Float32Array((mb * 1e6) / 4).fill(c.rank + 1);
  c.allReduce(buf); // warm-up: connections, registration, page faults
  const seconds: number[] = [];
  for (let i = 0; i < reps; i++) {
    c.barrier();
    const t0 = performance.now();
    c.allReduce(buf);
    seconds.push((performance.now() - t0) / 1000);
  }
  // Each rank's view can differ; the slowest rank's time is the collective's.
  const slowest = new Float64Array(seconds);
  const all = new Float64Array(c.size * reps);
  all.set(slowest, c.rank * reps);
  c.allReduce(all);
  const worst = seconds.map((_, i) => Math.max(...Array.from({ length: c.size }, (_, r) => all[r * reps + i])));
  if (c.rank === 0) process.stdout.write(`${JSON.stringify({ mb, reps, seconds: worst })}\n`);
}
c.close();
