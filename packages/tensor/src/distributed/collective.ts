/**
 * The collective contract: what data-parallel training needs from a group of
 * processes (ranks) that each hold a replica of the model. Buffers are host
 * arrays; a device backend reaches them through a host view or a copy.
 * Implementations: `singleProcess()` below (one rank, every call a no-op) and
 * MPI (`mpiCollective` of @kiln/backend-native, opened at run time).
 *
 * Every call is collective: all ranks make the same calls in the same order
 * with arrays of the same length, and each blocks until the data has arrived.
 * Reductions sum, and every rank receives identical bits.
 */

/** Arrays a reduction sums. */
export type FloatArray = Float32Array | Float64Array;

/** Arrays a broadcast copies (as bytes). */
export type BroadcastArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface Collective {
  /** This process, 0..size-1. */
  readonly rank: number;
  /** Processes in the group. */
  readonly size: number;
  /** What carries the data: 'single process', or the MPI library and its version. */
  readonly name: string;
  /** In place: every rank ends with the elementwise sum of every rank's `buf`. */
  allReduce(buf: FloatArray): void;
  /**
   * `send` holds a full buffer on each rank, split into parts of `counts[r]`
   * elements in rank order; rank r receives the sum over ranks of part r into
   * `recv[0..counts[r])`.
   */
  reduceScatter(send: FloatArray, recv: FloatArray, counts: readonly number[]): void;
  /**
   * In place: `buf` is split into parts of `counts[r]` elements in rank order,
   * each rank having filled its own part; afterwards every part, on every rank.
   */
  allGather(buf: FloatArray, counts: readonly number[]): void;
  /** `root`'s contents of `buf` (same length on every rank) to every rank. */
  broadcast(buf: BroadcastArray, root?: number): void;
  barrier(): void;
  /** Ends the whole job with exit code `code` (MPI_Abort): for an error on one rank that the others cannot see. */
  abort(code: number): never;
  /** Leaves the group (MPI_Finalize); nothing may be called after. */
  close(): void;
}

function checkCounts(counts: readonly number[], size: number, length: number, what: string): void {
  const total = counts.reduce((a, b) => a + b, 0);
  if (counts.length !== size || total !== length)
    throw new Error(`${what}: ${counts.length} counts adding up to ${total}, expected ${size} adding up to ${length}`);
}

/** The group of one: what a run outside mpirun uses. */
export function singleProcess(): Collective {
  return {
    rank: 0,
    size: 1,
    name: 'single process',
    allReduce() {},
    reduceScatter(send, recv, counts) {
      checkCounts(counts, 1, send.length, 'reduceScatter');
      recv.set(send.subarray(0, counts[0]));
    },
    allGather(buf, counts) {
      checkCounts(counts, 1, buf.length, 'allGather');
    },
    broadcast(_buf, root = 0) {
      if (root !== 0) throw new Error(`broadcast: root ${root} is not a rank of a single process`);
    },
    barrier() {},
    abort(code) {
      process.exit(code);
    },
    close() {},
  };
}
