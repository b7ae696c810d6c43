import type { Backend } from '../backend.js';
import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';

export interface AdamWOptions {
  /** Learning rate (a schedule passes a new one to each step()). Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay, PyTorch's AdamW. Default 0.01 (torch's default). */
  weightDecay?: number;
  /**
   * Which parameters decay. Default: the tensor's `decay` flag as the nn module
   * set it (matrix weights yes; biases, norms and embeddings no), else dim ≥ 2.
   */
  decay?: (name: string, t: Tensor) => boolean;
}

/** What state()/loadState() exchange: the step count and both moments of every parameter. */
export interface AdamWState {
  step: number;
  /** By parameter name: first moment (exp_avg) and second moment (exp_avg_sq). */
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

interface Slot {
  name: string;
  param: Tensor;
  m: Tensor;
  v: Tensor;
  decay: boolean;
}

/** AdamW over named parameters; one fused backend call per parameter per step. */
export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken so far (the next step is stepCount + 1 for bias correction). */
  stepCount = 0;
  private readonly slots: Slot[] = [];
  private readonly backend: Backend;

  constructor(params: Map<string, Tensor>, o: AdamWOptions = {}) {
    this.lr = o.lr ?? 1e-3;
    [this.beta1, this.beta2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0.01;
    const first = params.values().next().value as Tensor | undefined;
    if (!first) throw new Error('AdamW: no parameters');
    this.backend = first.backend;
    checkFits(this.backend, params);
    const decides = o.decay ?? ((_: string, t: Tensor) => t.decay ?? t.shape.length >= 2);
    for (const [name, param] of params) {
      if (param.dtype !== 'f32') throw new Error(`AdamW: parameter '${name}' is ${param.dtype}, only f32 trains`);
      this.slots.push({
        name,
        param,
        m: keep(Tensor.zeros(this.backend, param.shape)),
        v: keep(Tensor.zeros(this.backend, param.shape)),
        decay: decides(name, param),
      });
    }
  }

  /** Names of the parameters that receive weight decay (for logs and tests). */
  decayed(): string[] {
    return this.slots.filter((s) => s.decay).map((s) => s.name);
  }

  /**
   * One update. `gradScale` multiplies every gradient first (clipping: see
   * clipGradNorm). Parameters without a gradient (unused this step) are skipped,
   * as in PyTorch.
   */
  step(o: { lr?: number; gradScale?: number } = {}): void {
    if (o.lr !== undefined) this.lr = o.lr;
    this.stepCount++;
    for (const s of this.slots) {
      if (!s.param.grad) continue;
      this.backend.adamw({
        param: s.param.view,
        grad: s.param.grad.view,
        m: s.m.view,
        v: s.v.view,
        n: s.param.size,
        lr: this.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: s.decay ? this.weightDecay : 0,
        step: this.stepCount,
        gradScale: o.gradScale ?? 1,
      });
    }
  }

  /** Zero every parameter's gradient (once per optimizer step, before the micro-batches). */
  zeroGrad(): void {
    for (const s of this.slots) if (s.param.grad) this.backend.fill(s.param.grad.view, 0, s.param.size);
  }

  /** The moments and step, read back for a checkpoint. */
  async state(): Promise<AdamWState> {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const s of this.slots) {
      moments.set(s.name, { m: (await s.m.toArray()) as Float32Array, v: (await s.v.toArray()) as Float32Array });
    }
    return { step: this.stepCount, moments };
  }

  /** Restore state() output; every parameter must be present with the right size. */
  loadState(state: AdamWState, source = 'optimizer state'): void {
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new Error(`${source}: step must be a non-negative integer, got ${state.step}`);
    for (const s of this.slots) {
      const mv = state.moments.get(s.name);
      if (!mv) throw new Error(`${source}: no moments for parameter '${s.name}'`);
      if (mv.m.length !== s.param.size || mv.v.length !== s.param.size) {
        throw new Error(
          `${source}: moments of '${s.name}' have ${mv.m.length}/${mv.v.length} elements, expected ${s.param.size}`,
        );
      }
      this.backend.write(s.m.buf, mv.m);
      this.backend.write(s.v.buf, mv.v);
    }
    this.stepCount = state.step;
  }

  /** Flatten state() into named tensors (`<param>.exp_avg`, `<param>.exp_avg_sq`) for safetensors. */
  static toTensors(state: AdamWState): Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> {
    const out = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
    for (const [name, { m, v }] of state.moments) {
      out.set(`${name}.exp_avg`, { dtype: 'F32', shape: [m.length], data: m });
      out.set(`${name}.exp_avg_sq`, { dtype: 'F32', shape: [v.length], data: v });
    }
    return out;
  }

  /** The inverse of toTensors. */
  static fromTensors(step: number, tensors: Map<string, { data: Float32Array | Int32Array | Int8Array }>): AdamWState {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [key, t] of tensors) {
      const match = /^(.*)\.exp_avg(_sq)?$/.exec(key);
      if (!match || !(t.data instanceof Float32Array)) continue;
      const entry = moments.get(match[1]) ?? { m: new Float32Array(0), v: new Float32Array(0) };
      if (match[2]) entry.v = t.data;
      else entry.m = t.data;
      moments.set(match[1], entry);
    }
    return { step, moments };
  }

  dispose(): void {
    for (const s of this.slots) {
      s.m.dispose();
      s.v.dispose();
    }
  }
}

/**
 * Training keeps four f32 copies of every parameter (weights, gradients, two
 * moments). Where the backend's memory is bounded (wasm32: 4 GiB), a model
 * that cannot fit even before activations is refused here, before any step
 * runs, instead of failing minutes later on some activation buffer.
 */
function checkFits(backend: Backend, params: Map<string, Tensor>): void {
  const limit = backend.info.maxMemoryBytes;
  if (typeof limit !== 'number') return;
  let count = 0;
  for (const p of params.values()) count += p.size;
  const need = 16 * count;
  if (need <= limit) return;
  throw new Error(
    `AdamW: training ${(count / 1e6).toFixed(1)}M parameters needs ${(need / 1e9).toFixed(2)} GB for weights, gradients and ` +
      `AdamW moments alone, before activations; the ${backend.info.name} backend addresses at most ${(limit / 2 ** 30).toFixed(2)} GiB. ` +
      `Use backend: 'native' (64-bit memory) on a CPU, or a smaller model.`,
  );
}
