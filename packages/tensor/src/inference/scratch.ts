/** The buffers one engine forward allocates for itself, freed together in its `finally`. */
import type { Backend, Buf, DType } from '../backend.js';

export class ScratchBuffers {
  private readonly bufs: Buf[] = [];

  constructor(private readonly be: Backend) {}

  /** A zero-filled buffer that lives until free(); an arrow so `const tmp = scratch.alloc` works. */
  readonly alloc = (n: number, dtype: DType = 'f32'): Buf => {
    const b = this.be.alloc(dtype, n);
    this.bufs.push(b);
    return b;
  };

  free(): void {
    for (const b of this.bufs.splice(0)) this.be.free(b);
  }
}
