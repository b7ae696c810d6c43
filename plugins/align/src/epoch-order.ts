import type { Rng } from '@kiln/tensor';

export interface EpochOrderState {
  epoch: number;
  cursor: number;
}

/**
 * Indices 0..n-1 in a shuffled order, reshuffled every epoch from
 * `fork('<label>:<epoch>')`: its position (epoch, cursor) is the whole state,
 * so a resumed run continues with the very next item.
 */
export class EpochOrder {
  private epoch = 0;
  private cursor = 0;
  private order: number[] = [];

  constructor(
    private readonly n: number,
    private readonly rng: Pick<Rng, 'fork'>,
    private readonly label: string,
  ) {
    if (n <= 0) throw new Error(`${label}: nothing to draw from (0 records)`);
    this.reorder();
  }

  /** The next `count` indices (no index twice in one call while count ≤ n). */
  take(count: number): number[] {
    const out: number[] = [];
    while (out.length < count) {
      if (this.cursor >= this.n) {
        this.epoch++;
        this.cursor = 0;
        this.reorder();
      }
      out.push(this.order[this.cursor++]);
    }
    return out;
  }

  state(): EpochOrderState {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  restore(s: EpochOrderState): void {
    if (!Number.isInteger(s?.epoch) || !Number.isInteger(s?.cursor) || s.cursor > this.n) {
      throw new Error(
        `${this.label}: a checkpoint's data position ${JSON.stringify(s)} does not fit ${this.n} records (was the data changed?)`,
      );
    }
    this.epoch = s.epoch;
    this.cursor = s.cursor;
    this.reorder();
  }

  private reorder(): void {
    const rng = this.rng.fork(`${this.label}:${this.epoch}`);
    this.order = Array.from({ length: this.n }, (_, i) => i);
    for (let i = this.n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
  }
}
