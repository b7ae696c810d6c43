import type { Backend, Buf, BufView, DType } from './backend.js';
import type { Rng } from './rng.js';
import { track } from './scope.js';

/** A recorded op: how to push the gradient of its output back to its inputs. */
export interface Node {
  /** Op name, for error messages and debugging. */
  op: string;
  inputs: Tensor[];
  /** Accumulate into the inputs' gradients, given the output's gradient. */
  backward(gradOut: Tensor): void;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: bad dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/**
 * A typed, shaped handle on a backend buffer (possibly at an offset, for views).
 * Tensors created inside `tidy` are disposed when it ends unless returned.
 */
export class Tensor {
  /** True for parameters, and for results of ops on tensors that require grad. */
  requiresGrad = false;
  /** Accumulated gradient (same shape), allocated by the first backward that reaches it. */
  grad: Tensor | null = null;
  /** The op that produced this tensor while recording (null for leaves). */
  node: Node | null = null;
  /** For parameters: whether weight decay applies (nn modules set it; optimizers read it). */
  decay?: boolean;
  /** Set on views: the tensor whose buffer this one shares (it owns the buffer). */
  readonly base: Tensor | null;
  private disposedFlag = false;

  constructor(
    readonly backend: Backend,
    readonly buf: Buf,
    readonly shape: readonly number[],
    readonly offset = 0,
    base: Tensor | null = null,
  ) {
    const n = sizeOf(shape);
    if (offset + n > buf.length)
      throw new Error(`Tensor: shape [${shape.join(', ')}] at offset ${offset} does not fit a buffer of ${buf.length}`);
    this.base = base;
    track(this);
  }

  get dtype(): DType {
    return this.buf.dtype;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** The BufView that ops pass to the backend. */
  get view(): BufView {
    return this.offset === 0 ? this.buf : { buf: this.buf, offset: this.offset };
  }

  /** Wait for queued work and copy the values to the host. */
  async toArray(): Promise<Float32Array | Int32Array | Int8Array> {
    this.assertAlive('toArray');
    return this.backend.read(this.buf, this.offset, this.size);
  }

  /** The single value of a one-element tensor (a loss), read back from the device. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`Tensor.item: tensor has ${this.size} elements, expected 1`);
    return (await this.toArray())[0];
  }

  /** Return the buffer to the backend's pool (views only drop their handle). Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    if (!this.base) this.backend.free(this.buf);
    this.node = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  assertAlive(op: string): void {
    if (this.disposedFlag) throw new Error(`${op}: tensor of shape [${this.shape.join(', ')}] was disposed`);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }

  // ---- factories -------------------------------------------------------------

  /** A zero-filled tensor. */
  static zeros(backend: Backend, shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return new Tensor(backend, backend.alloc(dtype, sizeOf(shape)), shape);
  }

  /** A tensor filled with one value. */
  static full(backend: Backend, shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
    const t = Tensor.zeros(backend, shape, dtype);
    if (value !== 0) backend.fill(t.buf, value, t.size);
    return t;
  }

  /**
   * A tensor holding host data. The dtype follows the array (Float32Array → f32,
   * Int32Array → i32, Int8Array → i8); a plain number[] is f32 unless dtype says otherwise.
   */
  static from(
    backend: Backend,
    data: Float32Array | Int32Array | Int8Array | ArrayLike<number>,
    shape?: readonly number[],
    dtype?: DType,
  ): Tensor {
    const dt: DType = dtype ?? (data instanceof Int32Array ? 'i32' : data instanceof Int8Array ? 'i8' : 'f32');
    const shp = shape ?? [data.length];
    if (sizeOf(shp) !== data.length)
      throw new Error(`Tensor.from: ${data.length} values do not fill shape [${shp.join(', ')}]`);
    const host =
      dt === 'f32'
        ? data instanceof Float32Array
          ? data
          : Float32Array.from(data)
        : dt === 'i32'
          ? data instanceof Int32Array
            ? data
            : Int32Array.from(data)
          : data instanceof Int8Array
            ? data
            : Int8Array.from(data);
    const t = Tensor.zeros(backend, shp, dt);
    backend.write(t.buf, host);
    return t;
  }

  /** Normal(mean, std) values drawn from rng, in row-major order. */
  static randn(backend: Backend, shape: readonly number[], rng: Rng, std = 1, mean = 0): Tensor {
    const host = new Float32Array(sizeOf(shape));
    for (let i = 0; i < host.length; i++) host[i] = mean + std * rng.normal();
    return Tensor.from(backend, host, shape);
  }

  /** A trainable leaf: requiresGrad set, weight decay as given. */
  static parameter(t: Tensor, decay: boolean): Tensor {
    t.requiresGrad = true;
    t.decay = decay;
    return t;
  }
}
