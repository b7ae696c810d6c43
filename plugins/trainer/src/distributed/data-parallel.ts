/**
 * Data-parallel training on the ranks of `ctx.collective` (mpirun): each rank
 * holds the whole model, trains on its own micro-batches of every global
 * window, and the gradients are summed across ranks in buckets before one
 * AdamW update that leaves every rank with the same weights. With
 * `zero: 1` (ZeRO stage 1) the AdamW moments are sharded: gradients are
 * reduce-scattered, each rank updates its shard, the weights are all-gathered.
 *
 * Every rank draws the whole window from the same seeded sampler and keeps
 * its part, so N ranks see exactly the micro-batches one process with
 * `gradAccum · N` would, in the same order; each micro-batch loss is divided
 * by the target tokens of the whole window, so the summed gradients are that
 * one process's too (to float rounding of the sums).
 */
import type { TokenBatches } from '@kiln/core';
import {
  AdamW,
  type AdamWOptions,
  allGatherNumbers,
  type Backend,
  broadcastJson,
  type Collective,
  gradOf,
  type Tensor,
} from '@kiln/tensor';
import { HostIO } from './host-io.js';
import { FlatLayout } from './layout.js';
import { type Batch, countTargets, type Optimizer, type Replicas } from './replicas.js';
import { ShardedAdamW } from './sharded-adamw.js';
import { BucketSync } from './sync.js';

export interface DataParallelOptions {
  /** 1: shard the AdamW moments across ranks (ZeRO stage 1); 0: every rank keeps them whole. */
  zero: 0 | 1;
  /** Gradients and weights move in buckets of this many MiB. */
  bucketMB: number;
}

export function dataParallel(
  collective: Collective,
  named: Map<string, Tensor>,
  backend: Backend,
  adamw: AdamWOptions,
  o: DataParallelOptions,
): Replicas {
  const { rank, size } = collective;
  const params = [...named.values()];
  const layout = new FlatLayout(params);
  const shards = layout.shards(size);
  const own = layout.segments(shards[rank]);
  const io = new HostIO(backend);
  const sync = new BucketSync(layout, collective, io, (o.bucketMB * 2 ** 20) / 4);
  const optimizer: Optimizer =
    o.zero === 1 ? new ShardedAdamW(named, layout, shards, collective, io, adamw) : new AdamW(named, adamw);
  let rounds = 1;
  return {
    rank,
    size,
    leads: rank === 0,
    optimizer,
    window(data: TokenBatches, B: number, T: number, gradAccum: number) {
      const micro: Batch[] = [];
      let tokens = 0;
      for (let a = 0; a < gradAccum; a++) {
        for (let r = 0; r < size; r++) {
          const batch = data.next(B, T) as Batch;
          tokens += countTargets(batch.targets);
          if (r === rank) micro.push(batch);
        }
      }
      rounds = gradAccum;
      return { micro, tokens };
    },
    async reduceGradients() {
      // A parameter no micro-batch of this rank touched still takes part, with a zero gradient.
      for (const p of params) gradOf(p);
      if (o.zero === 1) await sync.reduceScatterGradients(shards);
      else await sync.allReduceGradients();
    },
    async gradNorm() {
      // Each rank sums the squares of its shard (of the summed gradients); the partials add in rank order,
      // so the norm is the same on every rank, with or without ZeRO-1.
      let partial = 0;
      if (own.length > 0) {
        const acc = backend.alloc('f32', 1);
        own.forEach((s, i) => {
          const g = s.param.grad as Tensor;
          backend.sumSquares(acc, { buf: g.buf, offset: g.offset + s.offset }, s.length, i > 0);
        });
        partial = (await backend.read(acc, 0, 1))[0];
        backend.free(acc);
      }
      const all = allGatherNumbers(collective, [partial]);
      return Math.sqrt(all.reduce((sum, p) => sum + p[0], 0));
    },
    loss(local) {
      const all = allGatherNumbers(collective, local);
      let sum = 0;
      for (let a = 0; a < rounds; a++) for (let r = 0; r < size; r++) sum += all[r][a];
      return sum;
    },
    async update(lr, gradScale) {
      optimizer.step({ lr, gradScale });
      if (o.zero === 1) await sync.allGatherWeights(shards);
    },
    sum(values) {
      collective.allReduce(values);
    },
    any(flag) {
      const v = new Float64Array([flag ? 1 : 0]);
      collective.allReduce(v);
      return v[0] > 0;
    },
    fromLeader<T>(value: T): T {
      // JSON has no undefined: it travels as null.
      return (broadcastJson(collective, value === undefined ? null : value) ?? undefined) as T;
    },
  };
}
