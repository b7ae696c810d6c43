/**
 * Elements of device tensors as host arrays, for the collectives: in place
 * where the backend's buffers are host memory (native: `hostView`), else
 * through a copy (wasm, webgpu: read, then write back).
 */
import type { Backend, Tensor } from '@kiln/tensor';

export class HostIO {
  constructor(private readonly backend: Backend) {}

  /** True when `view` gives the tensors' own memory. */
  get inPlace(): boolean {
    return this.backend.hostView !== undefined;
  }

  /** Elements [offset, offset + n) of `t`, live, or undefined where the backend has no host view. */
  view(t: Tensor, offset: number, n: number): Float32Array | undefined {
    const v = this.backend.hostView?.({ buf: t.buf, offset: t.offset + offset }, n);
    return v as Float32Array | undefined;
  }

  /** Copies elements [offset, offset + into.length) of `t` into `into`. */
  async read(t: Tensor, offset: number, into: Float32Array): Promise<void> {
    const live = this.view(t, offset, into.length);
    into.set(live ?? ((await this.backend.read(t.buf, t.offset + offset, into.length)) as Float32Array));
  }

  /** Writes `from` over elements [offset, offset + from.length) of `t`. */
  write(t: Tensor, offset: number, from: Float32Array): void {
    const live = this.view(t, offset, from.length);
    if (live) live.set(from);
    else this.backend.write(t.buf, from, t.offset + offset);
  }
}
