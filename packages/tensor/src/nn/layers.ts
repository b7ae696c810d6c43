import type { Backend } from '../backend.js';
import { embedding } from '../ops/embedding.js';
import { linear, type WeightLayout } from '../ops/linear.js';
import { layerNorm, rmsNorm } from '../ops/norm.js';
import type { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  /** 'out-in' (torch.nn.Linear, default) or 'in-out' (HF GPT-2 Conv1D). */
  layout?: WeightLayout;
  /** Std of the normal init of the weight (default 0.02, GPT-2's initializer_range). */
  std?: number;
}

/** y = x·W (+ b). Weight decay applies to the weight, not the bias. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly layout: WeightLayout;

  constructor(
    backend: Backend,
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    o: LinearOptions = {},
  ) {
    super(backend);
    this.layout = o.layout ?? 'out-in';
    const shape = this.layout === 'out-in' ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
    this.weight = this.param('weight', Tensor.randn(backend, shape, rng, o.std ?? 0.02), true);
    this.bias = o.bias === false ? null : this.param('bias', Tensor.zeros(backend, [outFeatures]), false);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias, this.layout);
  }
}

/**
 * The Linear layers under `root` by dotted name (their weight's name without `.weight`): how a
 * model of tensor's nn states its dense layers (AdaptableLM.linearLayers in model.ts).
 */
export function linearLayers(root: Module): Map<string, Linear> {
  const out = new Map<string, Linear>();
  for (const [name, m] of root.namedModules()) if (m instanceof Linear) out.set(name, m);
  return out;
}

/** A lookup table [rows, dim]; no weight decay by default (configurable in the optimizer). */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    backend: Backend,
    readonly rows: number,
    readonly dim: number,
    rng: Rng,
    std = 0.02,
  ) {
    super(backend);
    this.weight = this.param('weight', Tensor.randn(backend, [rows, dim], rng, std), false);
  }

  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    backend: Backend,
    readonly dim: number,
    readonly eps = 1e-5,
    bias = true,
  ) {
    super(backend);
    this.weight = this.param('weight', Tensor.full(backend, [dim], 1), false);
    this.bias = bias ? this.param('bias', Tensor.zeros(backend, [dim]), false) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class RMSNorm extends Module {
  readonly weight: Tensor;

  constructor(
    backend: Backend,
    readonly dim: number,
    readonly eps = 1e-6,
  ) {
    super(backend);
    this.weight = this.param('weight', Tensor.full(backend, [dim], 1), false);
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}
