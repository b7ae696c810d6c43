/**
 * Moving gradients and weights between ranks, a bucket at a time (a bucket is
 * a contiguous range of the flat parameter vector, layout.ts). Plain data
 * parallelism all-reduces every gradient; ZeRO-1 reduce-scatters them (each
 * rank receives the summed gradient of its shard only) and all-gathers the
 * weights each rank updated. A bucket that is one piece of one parameter is
 * handed to MPI in place on a native backend; others are packed into a host
 * buffer and unpacked after.
 */
import { type Collective, gradOf, type Tensor } from '@kiln/tensor';
import type { HostIO } from './host-io.js';
import { type FlatLayout, overlap, type Range, type Segment } from './layout.js';

type Which = 'grad' | 'param';

export class BucketSync {
  readonly buckets: Range[];
  private packed?: Float32Array;
  private received?: Float32Array;

  constructor(
    private readonly layout: FlatLayout,
    private readonly collective: Collective,
    private readonly io: HostIO,
    bucketElements: number,
  ) {
    this.buckets = layout.buckets(Math.max(1, Math.floor(bucketElements)));
  }

  private tensor(s: Segment, which: Which): Tensor {
    // Every rank joins every bucket, so a parameter this step did not touch still needs its (zero) gradient.
    return which === 'grad' ? (gradOf(s.param) as Tensor) : s.param;
  }

  private scratch(kind: 'packed' | 'received', n: number): Float32Array {
    const max = this.buckets.reduce((m, b) => Math.max(m, b.end - b.start), 0);
    if (kind === 'packed') return (this.packed ??= new Float32Array(max)).subarray(0, n);
    return (this.received ??= new Float32Array(max)).subarray(0, n);
  }

  /** The bucket's elements on the host: the tensor's own memory when it can be, else a packed copy. */
  private async host(bucket: Range, which: Which, fill = true): Promise<{ buf: Float32Array; packed: boolean }> {
    const segments = this.layout.segments(bucket);
    if (segments.length === 1) {
      const s = segments[0];
      const live = this.io.view(this.tensor(s, which), s.offset, s.length);
      if (live) return { buf: live, packed: false };
    }
    const buf = this.scratch('packed', bucket.end - bucket.start);
    if (fill) await this.copyIn(segments, which, buf, bucket.start);
    return { buf, packed: true };
  }

  private async copyIn(segments: Segment[], which: Which, buf: Float32Array, base: number): Promise<void> {
    for (const s of segments)
      await this.io.read(this.tensor(s, which), s.offset, buf.subarray(s.flat - base, s.flat - base + s.length));
  }

  private copyOut(segments: Segment[], which: Which, buf: Float32Array, base: number): void {
    for (const s of segments)
      this.io.write(this.tensor(s, which), s.offset, buf.subarray(s.flat - base, s.flat - base + s.length));
  }

  /** How many elements of `bucket` each rank's shard holds. */
  private counts(bucket: Range, shards: readonly Range[]): number[] {
    return shards.map((shard) => {
      const o = overlap(bucket, shard);
      return o ? o.end - o.start : 0;
    });
  }

  /** Every rank's gradients become the sum over ranks. */
  async allReduceGradients(): Promise<void> {
    for (const bucket of this.buckets) {
      const { buf, packed } = await this.host(bucket, 'grad');
      this.collective.allReduce(buf);
      if (packed) this.copyOut(this.layout.segments(bucket), 'grad', buf, bucket.start);
    }
  }

  /** Each rank's gradients over its own shard become the sum over ranks (the rest are left as they were). */
  async reduceScatterGradients(shards: readonly Range[]): Promise<void> {
    const own = shards[this.collective.rank];
    for (const bucket of this.buckets) {
      const counts = this.counts(bucket, shards);
      const { buf } = await this.host(bucket, 'grad');
      const recv = this.scratch('received', counts[this.collective.rank]);
      this.collective.reduceScatter(buf, recv, counts);
      const mine = overlap(bucket, own);
      if (mine) this.copyOut(this.layout.segments(mine), 'grad', recv, mine.start);
    }
  }

  /** Each rank's weights over its own shard go to every rank. */
  async allGatherWeights(shards: readonly Range[]): Promise<void> {
    const own = shards[this.collective.rank];
    for (const bucket of this.buckets) {
      const counts = this.counts(bucket, shards);
      const { buf, packed } = await this.host(bucket, 'param', false);
      const mine = overlap(bucket, own);
      if (packed && mine)
        await this.copyIn(this.layout.segments(mine), 'param', buf.subarray(mine.start - bucket.start), mine.start);
      this.collective.allGather(buf, counts);
      if (!packed) continue;
      // Only the other ranks' parts changed: the ranges before and after this rank's.
      const rest = mine
        ? [
            { start: bucket.start, end: mine.start },
            { start: mine.end, end: bucket.end },
          ]
        : [bucket];
      for (const r of rest) if (r.start < r.end) this.copyOut(this.layout.segments(r), 'param', buf, bucket.start);
    }
  }
}
