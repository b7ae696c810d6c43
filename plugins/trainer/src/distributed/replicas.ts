/**
 * What one optimizer step needs from the processes training together
 * (step.ts calls these in order): this rank's micro-batches of the global
 * window, the gradient reduction, the global gradient norm, the window's
 * loss and the update. `oneProcess` is the plain single-process step;
 * `dataParallel` (data-parallel.ts) runs the same step on N ranks.
 */
import type { TokenBatches } from '@kiln/core';
import { type AdamWState, gradNorm, IGNORE_INDEX, type Tensor } from '@kiln/tensor';

/** A micro-batch as the data gives it (segments: packed examples, the finetune stage's). */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  segments?: Int32Array;
}

/** AdamW, or its ZeRO-1 form (sharded-adamw.ts): what the trainer calls on either. */
export interface Optimizer {
  lr: number;
  stepCount: number;
  zeroGrad(): void;
  step(o?: { lr?: number; gradScale?: number }): void;
  /** The whole state (under ZeRO-1 a collective call: every rank makes it). */
  state(): Promise<AdamWState>;
  loadState(state: AdamWState, source?: string): void;
  dispose(): void;
}

export interface Replicas {
  readonly rank: number;
  readonly size: number;
  /** Rank 0 (or the only process): the one that writes and reports. */
  readonly leads: boolean;
  readonly optimizer: Optimizer;
  /**
   * This rank's micro-batches of one step: the global window is `gradAccum`
   * rounds of `size` micro-batches of B rows, drawn in that order by every
   * rank from the same sampler; rank r trains on the r-th of each round.
   * `tokens`: the target tokens of the whole window (each loss is divided by it).
   */
  window(data: TokenBatches, B: number, T: number, gradAccum: number): { micro: Batch[]; tokens: number };
  /** After the backward: the gradients become the sum over ranks (ZeRO-1: over this rank's shard). */
  reduceGradients(): Promise<void>;
  /** The L2 norm of the summed gradients, the same on every rank. */
  gradNorm(): Promise<number>;
  /** The window's loss: every micro-batch's loss (this rank's are `local`), summed in window order. */
  loss(local: readonly number[]): number;
  /** The AdamW update, after which every rank holds the same weights. */
  update(lr: number, gradScale: number): Promise<void>;
  /** In place: each entry becomes the sum over ranks; where one rank alone filled an entry, exactly its value. */
  sum(values: Float64Array): void;
  /** True on every rank when any rank says true (a Ctrl-C seen by one rank stops all, at the same step). */
  any(flag: boolean): boolean;
  /** Rank 0's value of a decision every rank must take alike (a checkpoint due by the clock). */
  fromLeader<T>(value: T): T;
}

export function countTargets(targets: Int32Array): number {
  let n = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE_INDEX) n++;
  return n;
}

/** One process: every micro-batch is its own, nothing is exchanged. */
export function oneProcess(params: readonly Tensor[], optimizer: Optimizer): Replicas {
  return {
    rank: 0,
    size: 1,
    leads: true,
    optimizer,
    window(data, B, T, gradAccum) {
      const micro = Array.from({ length: gradAccum }, () => data.next(B, T) as Batch);
      return { micro, tokens: micro.reduce((n, m) => n + countTargets(m.targets), 0) };
    },
    async reduceGradients() {},
    gradNorm: () => gradNorm(params),
    loss: (local) => local.reduce((sum, l) => sum + l, 0),
    async update(lr, gradScale) {
      optimizer.step({ lr, gradScale });
    },
    sum() {},
    any: (flag) => flag,
    fromLeader: (value) => value,
  };
}
