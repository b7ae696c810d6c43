import type { Backend } from '../backend.js';
import type { WeightLayout } from '../ops/linear.js';
import { gelu, swiglu } from '../ops/pointwise.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

export interface MLPOptions {
  nEmbd: number;
  /** Hidden width (GPT-2: 4·nEmbd). */
  hidden: number;
  bias?: boolean;
  layout?: WeightLayout;
  std?: number;
  /** Init std of the output projection (GPT-2: 0.02/sqrt(2·n_layer)). */
  projStd?: number;
}

/** GPT-2's MLP: c_fc → GELU(tanh) → c_proj. */
export class MLP extends Module {
  readonly fc: Linear;
  readonly proj: Linear;

  constructor(backend: Backend, rng: Rng, o: MLPOptions & { names?: { fc: string; proj: string } }) {
    super(backend);
    const names = o.names ?? { fc: 'c_fc', proj: 'c_proj' };
    const lin = { bias: o.bias, layout: o.layout };
    this.fc = this.child(names.fc, new Linear(backend, o.nEmbd, o.hidden, rng, { ...lin, std: o.std }));
    this.proj = this.child(
      names.proj,
      new Linear(backend, o.hidden, o.nEmbd, rng, { ...lin, std: o.projStd ?? o.std }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.proj.forward(gelu(this.fc.forward(x)));
  }
}

/**
 * Llama's gated MLP with gate and up packed in one projection of width
 * 2·hidden ([gate | up]), then down: down(silu(gate) · up).
 */
export class SwiGLUMLP extends Module {
  readonly gateUp: Linear;
  readonly down: Linear;

  constructor(backend: Backend, rng: Rng, o: MLPOptions & { names?: { gateUp: string; down: string } }) {
    super(backend);
    const names = o.names ?? { gateUp: 'gate_up_proj', down: 'down_proj' };
    const lin = { bias: o.bias ?? false, layout: o.layout };
    this.gateUp = this.child(names.gateUp, new Linear(backend, o.nEmbd, 2 * o.hidden, rng, { ...lin, std: o.std }));
    this.down = this.child(
      names.down,
      new Linear(backend, o.hidden, o.nEmbd, rng, { ...lin, std: o.projStd ?? o.std }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(swiglu(this.gateUp.forward(x)));
  }
}
