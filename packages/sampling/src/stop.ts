/**
 * Stop sequences over streamed text. Text that might be the start of a stop
 * sequence is held back until the next piece decides it, so a client never
 * receives part of a stop sequence.
 */
export interface StopResult {
  /** Text that is safe to send now. */
  text: string;
  /** True once a stop sequence was seen: `text` ends just before it. */
  stopped: boolean;
}

export class StopSequenceMatcher {
  private held = '';
  private done = false;
  private readonly stops: string[];

  constructor(stops: readonly string[] = []) {
    for (const s of stops)
      if (typeof s !== 'string' || s.length === 0) throw new RangeError('stop sequences must be non-empty strings');
    this.stops = [...stops];
  }

  get stopped(): boolean {
    return this.done;
  }

  /** Feed the next decoded piece. */
  push(piece: string): StopResult {
    if (this.done) return { text: '', stopped: true };
    const buffer = this.held + piece;
    let cut = -1;
    for (const s of this.stops) {
      const at = buffer.indexOf(s);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.done = true;
      this.held = '';
      return { text: buffer.slice(0, cut), stopped: true };
    }
    const keep = this.longestPartialSuffix(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** The end of the stream: whatever was held back is plain text after all. */
  flush(): string {
    const rest = this.done ? '' : this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of some stop sequence. */
  private longestPartialSuffix(buffer: string): number {
    let best = 0;
    for (const s of this.stops) {
      for (let len = Math.min(s.length - 1, buffer.length); len > best; len--) {
        if (buffer.endsWith(s.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
