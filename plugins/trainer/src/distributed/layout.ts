/**
 * The parameters as one flat f32 vector, in parameter order (as llm.c lays
 * them out): ZeRO-1 splits that vector evenly across ranks, and gradients
 * move in buckets, each a contiguous range of it.
 */
import type { Tensor } from '@kiln/tensor';

/** A piece of one parameter: elements [offset, offset + length) of params[index], at `flat` in the flat vector. */
export interface Segment {
  index: number;
  param: Tensor;
  offset: number;
  length: number;
  flat: number;
}

/** A contiguous range [start, end) of the flat vector. */
export interface Range {
  start: number;
  end: number;
}

export class FlatLayout {
  /** Where each parameter starts in the flat vector. */
  readonly starts: number[] = [];
  readonly total: number;

  constructor(readonly params: readonly Tensor[]) {
    let at = 0;
    for (const p of params) {
      this.starts.push(at);
      at += p.size;
    }
    this.total = at;
  }

  /** The pieces of parameters that range [start, end) covers, in order. */
  segments({ start, end }: Range): Segment[] {
    const out: Segment[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const lo = Math.max(start, this.starts[i]);
      const hi = Math.min(end, this.starts[i] + this.params[i].size);
      if (lo < hi)
        out.push({ index: i, param: this.params[i], offset: lo - this.starts[i], length: hi - lo, flat: lo });
    }
    return out;
  }

  /** Rank r's share of the flat vector: `size` near-equal contiguous ranges (the first total % size one longer). */
  shards(size: number): Range[] {
    const base = Math.floor(this.total / size);
    const extra = this.total % size;
    const out: Range[] = [];
    let at = 0;
    for (let r = 0; r < size; r++) {
      const n = base + (r < extra ? 1 : 0);
      out.push({ start: at, end: at + n });
      at += n;
    }
    return out;
  }

  /**
   * Buckets of at most `maxElements`: a parameter at least that large gets
   * buckets of its own (each one piece of it, so a backend with host memory
   * reduces it in place); smaller ones are packed together in order.
   */
  buckets(maxElements: number): Range[] {
    const out: Range[] = [];
    let open: Range | undefined;
    for (let i = 0; i < this.params.length; i++) {
      const start = this.starts[i];
      const size = this.params[i].size;
      if (size >= maxElements) {
        if (open) out.push(open);
        open = undefined;
        for (let at = 0; at < size; at += maxElements)
          out.push({ start: start + at, end: start + Math.min(size, at + maxElements) });
        continue;
      }
      if (open && open.end - open.start + size > maxElements) {
        out.push(open);
        open = undefined;
      }
      open = open ? { start: open.start, end: start + size } : { start, end: start + size };
    }
    if (open) out.push(open);
    return out;
  }
}

/** The range two ranges share, or undefined when they do not meet. */
export function overlap(a: Range, b: Range): Range | undefined {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start < end ? { start, end } : undefined;
}
