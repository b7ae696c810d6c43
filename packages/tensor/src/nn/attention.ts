import type { Backend } from '../backend.js';
import { attention, rope } from '../ops/attention.js';
import type { WeightLayout } from '../ops/linear.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

export interface CausalSelfAttentionOptions {
  nEmbd: number;
  nHead: number;
  /** Key/value heads (default nHead; fewer for grouped-query attention). */
  nKvHead?: number;
  /** Head size (default nEmbd / nHead). */
  headDim?: number;
  /** Rotary embedding on q and k (Llama); omit for learned absolute positions (GPT-2). */
  rope?: { theta: number };
  bias?: boolean;
  layout?: WeightLayout;
  /** Init std of the qkv projection (default 0.02). */
  std?: number;
  /** Init std of the output projection (GPT-2: 0.02/sqrt(2·n_layer)). */
  projStd?: number;
  /** Parameter names of the two projections (GPT-2's by default). */
  names?: { qkv: string; proj: string };
  /** Non-causal (encoders). Default true. */
  causal?: boolean;
}

/**
 * Self-attention with one packed qkv projection: x (B,T,C) → (B,T,C).
 * qkv columns are [H query heads | Hkv key heads | Hkv value heads], GPT-2's c_attn layout.
 */
export class CausalSelfAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly H: number;
  readonly Hkv: number;
  readonly D: number;

  constructor(
    backend: Backend,
    rng: Rng,
    readonly o: CausalSelfAttentionOptions,
  ) {
    super(backend);
    this.H = o.nHead;
    this.Hkv = o.nKvHead ?? o.nHead;
    this.D = o.headDim ?? o.nEmbd / o.nHead;
    if (!Number.isInteger(this.D))
      throw new Error(`CausalSelfAttention: nEmbd (${o.nEmbd}) must be divisible by nHead (${o.nHead})`);
    if (this.H % this.Hkv !== 0)
      throw new Error(`CausalSelfAttention: nHead (${this.H}) must be a multiple of nKvHead (${this.Hkv})`);
    const names = o.names ?? { qkv: 'c_attn', proj: 'c_proj' };
    const lin = { bias: o.bias, layout: o.layout };
    this.qkv = this.child(
      names.qkv,
      new Linear(backend, o.nEmbd, (this.H + 2 * this.Hkv) * this.D, rng, { ...lin, std: o.std }),
    );
    this.proj = this.child(
      names.proj,
      new Linear(backend, this.H * this.D, o.nEmbd, rng, { ...lin, std: o.projStd ?? o.std }),
    );
  }

  forward(x: Tensor, opts: { segments?: Tensor; posOffset?: number } = {}): Tensor {
    const heads = { H: this.H, Hkv: this.Hkv, D: this.D };
    let qkv = this.qkv.forward(x);
    if (this.o.rope) qkv = rope(qkv, { ...heads, theta: this.o.rope.theta, posOffset: opts.posOffset });
    const y = attention(qkv, { ...heads, causal: this.o.causal ?? true, segments: opts.segments });
    return this.proj.forward(y);
  }
}
