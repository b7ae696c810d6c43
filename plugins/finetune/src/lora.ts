import {
  type AdaptableLM,
  add,
  type Backend,
  type Linear,
  linear,
  Module,
  mulScalar,
  type Rng,
  Tensor,
} from '@kiln/tensor';

export interface LoraOptions {
  /** Rank r of the update A·B. */
  rank: number;
  /** The update is scaled by alpha / r (so changing r keeps the step size; default alpha = 2r). */
  alpha?: number;
  /** Which linear layers get adapters, by the last part of their name (GPT-2: c_attn, c_proj, c_fc). */
  targets?: readonly string[];
}

/** The low-rank pair of one linear layer: W·x + (alpha/r)·B(A(x)). A starts random, B zero (so training starts from the base model). */
class LoraPair extends Module {
  readonly A: Tensor;
  readonly B: Tensor;
  constructor(backend: Backend, inF: number, outF: number, rank: number, rng: Rng) {
    super(backend);
    // Kaiming-style scale for A (as in the LoRA paper's reference code), B = 0.
    this.A = this.param('lora_A', Tensor.randn(backend, [inF, rank], rng, 1 / Math.sqrt(inF)), false);
    this.B = this.param('lora_B', Tensor.zeros(backend, [rank, outF]), false);
  }
}

export interface LoraHandle {
  /** Only the adapter parameters (named `<layer>.lora_A` / `.lora_B`): what the optimizer trains. */
  parameters(): Map<string, Tensor>;
  /** Layers that got adapters. */
  readonly layers: string[];
  /** Fold W += (alpha/r)·A·B into each base weight, drop the adapters, and unfreeze the base model. */
  merge(): Promise<void>;
}

/**
 * Add LoRA adapters to a model in place (its dense layers are those it states: AdaptableLM in
 * @kiln/tensor): the base parameters are frozen (no gradients are computed for them), each targeted Linear computes
 * x·W + b + (alpha/r)·(x·A)·B. `merge()` folds the adapters back into W so the
 * exported model is a plain model with the same logits.
 */
export function applyLora(model: AdaptableLM, o: LoraOptions, rng: Rng): LoraHandle {
  const { rank } = o;
  if (!Number.isInteger(rank) || rank <= 0) throw new Error(`lora.rank must be a positive integer, got ${rank}`);
  const scale = (o.alpha ?? 2 * rank) / rank;
  const targets = o.targets ?? ['c_attn', 'c_proj', 'c_fc'];
  const layers = [...model.linearLayers()];
  const chosen = layers.filter(([n]) => targets.includes(n.split('.').pop()!));
  if (chosen.length === 0) {
    const names = [...new Set(layers.map(([n]) => n.split('.').pop()!))];
    throw new Error(
      `lora.targets [${targets.join(', ')}] match no linear layer (the model has: ${names.join(', ') || 'none'})`,
    );
  }
  const base = [...model.parameters().values()];
  for (const p of base) p.requiresGrad = false;
  const adapters = new Map<string, Tensor>();
  const undo: Array<() => void> = [];
  const pairs: Array<{ lin: Linear; pair: LoraPair }> = [];
  for (const [name, lin] of chosen) {
    const pair = new LoraPair(
      model.backend,
      lin.inFeatures,
      lin.outFeatures,
      Math.min(rank, lin.inFeatures, lin.outFeatures),
      rng,
    );
    adapters.set(`${name}.lora_A`, pair.A);
    adapters.set(`${name}.lora_B`, pair.B);
    pairs.push({ lin, pair });
    const plain = lin.forward;
    lin.forward = (x: Tensor) =>
      add(plain.call(lin, x), mulScalar(linear(linear(x, pair.A, null, 'in-out'), pair.B, null, 'in-out'), scale));
    undo.push(() => {
      lin.forward = plain;
    });
  }
  return {
    parameters: () => adapters,
    layers: chosen.map(([n]) => n),
    async merge() {
      for (const { lin, pair } of pairs) {
        const A = (await pair.A.toArray()) as Float32Array;
        const B = (await pair.B.toArray()) as Float32Array;
        const W = (await lin.weight.toArray()) as Float32Array;
        const r = pair.A.shape[1];
        const inF = lin.inFeatures;
        const outF = lin.outFeatures;
        for (let i = 0; i < inF; i++) {
          for (let j = 0; j < outF; j++) {
            let s = 0;
            for (let k = 0; k < r; k++) s += A[i * r + k] * B[k * outF + j];
            // 'in-out' stores W[i][j] (Conv1D); 'out-in' stores W[j][i] (torch Linear).
            if (lin.layout === 'in-out') W[i * outF + j] += scale * s;
            else W[j * inF + i] += scale * s;
          }
        }
        model.backend.write(lin.weight.buf, W, lin.weight.offset);
        pair.dispose();
      }
      for (const u of undo) u();
      for (const p of base) p.requiresGrad = true;
      adapters.clear();
    },
  };
}
