import type { TokenBatches } from '@kiln/core';
import { createRng, IGNORE_INDEX } from '@kiln/tensor';
import type { SftExample } from './sft-example.js';

/** A row of T tokens holding one or more whole examples. */
export interface PackedRow {
  ids: Int32Array;
  labels: Int32Array;
  /** Segment id per token: tokens attend only within their own segment (padding is its own segment). */
  segments: Int32Array;
}

/**
 * Pack examples into rows of T tokens, first fit in the given order, so short
 * chat turns do not waste most of a row on padding. Examples longer than T are
 * cut to T (the count is returned so the trainer can warn). With `pack: false`
 * every example gets its own row.
 */
export function packExamples(
  examples: readonly SftExample[],
  T: number,
  padId: number,
  pack = true,
): { rows: PackedRow[]; truncated: number } {
  const rows: Array<{ parts: SftExample[]; used: number }> = [];
  let truncated = 0;
  for (const ex0 of examples) {
    let ex = ex0;
    if (ex.ids.length > T) {
      truncated++;
      ex = { ids: ex.ids.subarray(0, T), labels: ex.labels.slice(0, T) };
      ex.labels[T - 1] = IGNORE_INDEX; // its target lay beyond the cut
    }
    const row = pack ? rows.find((r) => r.used + ex.ids.length <= T) : undefined;
    if (row) {
      row.parts.push(ex);
      row.used += ex.ids.length;
    } else rows.push({ parts: [ex], used: ex.ids.length });
  }
  const packed = rows.map(({ parts }) => {
    const ids = new Int32Array(T).fill(padId);
    const labels = new Int32Array(T).fill(IGNORE_INDEX);
    const segments = new Int32Array(T).fill(parts.length); // padding: a segment of its own
    let at = 0;
    parts.forEach((p, s) => {
      ids.set(p.ids, at);
      labels.set(p.labels, at);
      segments.fill(s, at, at + p.ids.length);
      at += p.ids.length;
    });
    return { ids, labels, segments };
  });
  return { rows: packed, truncated };
}

export interface PackedBatchesState {
  epoch: number;
  cursor: number;
}

/** Packed rows served as TokenBatches (with segments), reshuffled each epoch from a seed: resumable. */
export class PackedBatches implements TokenBatches {
  private epoch = 0;
  private cursor = 0;
  private order: number[] = [];

  constructor(
    private readonly rows: readonly PackedRow[],
    private readonly seed: number,
    private readonly shuffle = true,
  ) {
    if (rows.length === 0) throw new Error('PackedBatches: no rows');
    this.reorder();
  }

  get tokens(): number {
    return this.rows.length * this.rows[0].ids.length;
  }

  next(B: number, T: number): { inputs: Int32Array; targets: Int32Array; segments: Int32Array } {
    const rowT = this.rows[0].ids.length;
    if (T !== rowT) throw new Error(`PackedBatches: rows were packed to ${rowT} tokens, asked for ${T}`);
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const segments = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      if (this.cursor >= this.order.length) {
        this.epoch++;
        this.cursor = 0;
        this.reorder();
      }
      const r = this.rows[this.order[this.cursor++]];
      inputs.set(r.ids, b * T);
      targets.set(r.labels, b * T);
      segments.set(r.segments, b * T);
    }
    return { inputs, targets, segments };
  }

  state(): PackedBatchesState {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  restore(state: unknown): void {
    const s = state as PackedBatchesState;
    this.epoch = s.epoch;
    this.cursor = s.cursor;
    this.reorder();
  }

  private reorder(): void {
    this.order = this.rows.map((_, i) => i);
    if (!this.shuffle) return;
    const rng = createRng(this.seed * 1000003 + this.epoch);
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
  }
}
