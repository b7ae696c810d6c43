/**
 * AdamW with its moments sharded across ranks (ZeRO stage 1, as llm.c does):
 * each rank keeps the first and second moments of its own contiguous range of
 * the flat parameter vector only, and updates only those weights (the fused
 * AdamW kernel on views into the parameters); BucketSync then all-gathers the
 * updated weights. The update is elementwise, so each weight gets exactly the
 * value the unsharded AdamW would give it.
 */
import { type AdamWOptions, type AdamWState, type Backend, type Collective, keep, Tensor } from '@kiln/tensor';
import type { HostIO } from './host-io.js';
import { type FlatLayout, overlap, type Range, type Segment } from './layout.js';

interface Piece {
  segment: Segment;
  name: string;
  m: Tensor;
  v: Tensor;
  decay: boolean;
}

export class ShardedAdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  stepCount = 0;
  private readonly pieces: Piece[] = [];
  private readonly names: string[];
  private readonly backend: Backend;

  constructor(
    named: Map<string, Tensor>,
    private readonly layout: FlatLayout,
    private readonly shards: readonly Range[],
    private readonly collective: Collective,
    private readonly io: HostIO,
    o: AdamWOptions = {},
  ) {
    this.lr = o.lr ?? 1e-3;
    [this.beta1, this.beta2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0.01;
    this.names = [...named.keys()];
    const first = layout.params[0];
    if (!first) throw new Error('ShardedAdamW: no parameters');
    this.backend = first.backend;
    const decides = o.decay ?? ((_: string, t: Tensor) => t.decay ?? t.shape.length >= 2);
    for (const segment of layout.segments(shards[collective.rank])) {
      const name = this.names[segment.index];
      this.pieces.push({
        segment,
        name,
        m: keep(Tensor.zeros(this.backend, [segment.length])),
        v: keep(Tensor.zeros(this.backend, [segment.length])),
        decay: decides(name, segment.param),
      });
    }
  }

  /** The update of this rank's shard (every gradient of it must hold the sum over ranks). */
  step(o: { lr?: number; gradScale?: number } = {}): void {
    if (o.lr !== undefined) this.lr = o.lr;
    this.stepCount++;
    for (const { segment: s, m, v, decay } of this.pieces) {
      const grad = s.param.grad;
      if (!grad) throw new Error(`ShardedAdamW: '${this.names[s.index]}' has no gradient`);
      this.backend.adamw({
        param: { buf: s.param.buf, offset: s.param.offset + s.offset },
        grad: { buf: grad.buf, offset: grad.offset + s.offset },
        m: m.view,
        v: v.view,
        n: s.length,
        lr: this.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: decay ? this.weightDecay : 0,
        step: this.stepCount,
        gradScale: o.gradScale ?? 1,
      });
    }
  }

  /** Every gradient is zeroed (the backward writes whole gradients on every rank). */
  zeroGrad(): void {
    for (const p of this.layout.params) if (p.grad) this.backend.fill(p.grad.view, 0, p.size);
  }

  /**
   * Both moments of every parameter, whole, on every rank (a collective call:
   * every rank calls it together, one parameter at a time, so no rank ever
   * holds more than one parameter's moments beyond its shard).
   */
  async state(): Promise<AdamWState> {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (let i = 0; i < this.layout.params.length; i++) {
      const whole: Range = { start: this.layout.starts[i], end: this.layout.starts[i] + this.layout.params[i].size };
      const counts = this.shards.map((shard) => {
        const o = overlap(whole, shard);
        return o ? o.end - o.start : 0;
      });
      const m = new Float32Array(whole.end - whole.start);
      const v = new Float32Array(whole.end - whole.start);
      for (const piece of this.pieces) {
        if (piece.segment.index !== i) continue;
        await this.io.read(piece.m, 0, m.subarray(piece.segment.offset, piece.segment.offset + piece.segment.length));
        await this.io.read(piece.v, 0, v.subarray(piece.segment.offset, piece.segment.offset + piece.segment.length));
      }
      this.collective.allGather(m, counts);
      this.collective.allGather(v, counts);
      moments.set(this.names[i], { m, v });
    }
    return { step: this.stepCount, moments };
  }

  /** Restores whole moments (a checkpoint's): this rank keeps its shard of them. */
  loadState(state: AdamWState, source = 'optimizer state'): void {
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new Error(`${source}: step must be a non-negative integer, got ${state.step}`);
    this.names.forEach((name, i) => {
      const mv = state.moments.get(name);
      const size = this.layout.params[i].size;
      if (!mv) throw new Error(`${source}: no moments for parameter '${name}'`);
      if (mv.m.length !== size || mv.v.length !== size)
        throw new Error(
          `${source}: moments of '${name}' have ${mv.m.length}/${mv.v.length} elements, expected ${size}`,
        );
    });
    for (const { segment: s, name, m, v } of this.pieces) {
      const mv = state.moments.get(name) as { m: Float32Array; v: Float32Array };
      this.io.write(m, 0, mv.m.subarray(s.offset, s.offset + s.length));
      this.io.write(v, 0, mv.v.subarray(s.offset, s.offset + s.length));
    }
    this.stepCount = state.step;
  }

  /** Elements of moments this rank holds (both moments). */
  get heldElements(): number {
    return this.pieces.reduce((n, p) => n + 2 * p.segment.length, 0);
  }

  dispose(): void {
    for (const p of this.pieces) {
      p.m.dispose();
      p.v.dispose();
    }
  }
}
