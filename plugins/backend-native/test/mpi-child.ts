// One rank of mpi.test.ts: every collective of the MPI Collective on small arrays, printed as one JSON line.
import { allGatherNumbers, broadcastJson, ranksThatDiffer } from '@kiln/tensor';
import { mpiCollective } from '../src/mpi.js';

const c = mpiCollective();
const r = c.rank;
// allReduce in place, f32 and f64; a length that is no multiple of any vector width.
const f32 = Float32Array.from({ length: 37 }, (_, i) => (i + 1) * (r + 1) + 0.25);
c.allReduce(f32);
const f64 = Float64Array.from({ length: 5 }, (_, i) => i * 1e-300 * (r + 1) + r);
c.allReduce(f64);
// reduceScatter with uneven counts (one rank gets nothing).
const counts = Array.from({ length: c.size }, (_, i) => (i === c.size - 1 ? 0 : i + 2));
const total = counts.reduce((a, b) => a + b, 0);
const send = Float32Array.from({ length: total }, (_, i) => i + 100 * r);
const recv = new Float32Array(counts[r]);
c.reduceScatter(send, recv, counts);
// allGather in place: each rank fills its own part.
const gathered = new Float32Array(total);
let at = counts.slice(0, r).reduce((a, b) => a + b, 0);
for (let i = 0; i < counts[r]; i++) gathered[at++] = 1000 * r + i;
c.allGather(gathered, counts);
// broadcast bytes and ints from the last rank.
const bytes = Uint8Array.from({ length: 11 }, (_, i) => (r === c.size - 1 ? 200 + i : 0));
c.broadcast(bytes, c.size - 1);
const json = broadcastJson(c, r === 0 ? { text: 'ü∑', n: [1, 2.5] } : undefined);
const numbers = allGatherNumbers(c, [r / 3, -(r + 1)]).map((a) => [...a]);
const differ = ranksThatDiffer(c, r === 1 ? 'other' : 'same');
c.barrier();
process.stdout.write(
  `${JSON.stringify({ rank: r, size: c.size, name: c.name, f32: [...f32], f64: [...f64], recv: [...recv], gathered: [...gathered], bytes: [...bytes], json, numbers, differ })}\n`,
);
c.close();
