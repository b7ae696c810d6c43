import { SpillFile, type SpillFileOptions } from './spill-file.js';

/** Ends are kept in fixed chunks: no doubling, no copying. */
const CHUNK = 1 << 14;
/** With the u flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Strings numbered in the order they are added (document ids of kept documents),
 * read back rarely (for a drop's `duplicateOf` and the report). Their UTF-8
 * bytes go to a SpillFile; memory holds 8 bytes a string (where it ends), not
 * the ~70 a JS string of a 50-character id takes.
 */
export class IdStore {
  private readonly bytes: SpillFile;
  private readonly ends: Float64Array[] = [];
  private count = 0;
  private scratch = Buffer.alloc(256);

  constructor(private readonly options: SpillFileOptions = {}) {
    this.bytes = new SpillFile(options);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held in memory (the write buffer and the ends). */
  get byteLength(): number {
    return (this.options.bufferBytes ?? 1 << 16) + this.ends.length * CHUNK * 8;
  }

  /** Adds `id`; returns its number (0, 1, …). */
  add(id: string): number {
    const n = this.count++;
    if (n % CHUNK === 0) this.ends.push(new Float64Array(CHUNK));
    // UTF-8 would turn a lone surrogate into U+FFFD; such an id goes as UTF-16, its end negated to say so.
    const wellFormed = !LONE_SURROGATE.test(id);
    this.bytes.append(Buffer.from(id, wellFormed ? 'utf8' : 'utf16le'));
    this.ends[this.ends.length - 1][n % CHUNK] = wellFormed ? this.bytes.length : -this.bytes.length;
    return n;
  }

  get(n: number): string {
    if (!(n >= 0 && n < this.count && Number.isInteger(n)))
      throw new RangeError(`IdStore: no id ${n} (${this.count} stored)`);
    const start = n === 0 ? 0 : Math.abs(this.end(n - 1));
    const end = this.end(n);
    const length = Math.abs(end) - start;
    if (length > this.scratch.length) this.scratch = Buffer.alloc(length);
    const into = this.scratch.subarray(0, length);
    this.bytes.read(start, into);
    return into.toString(end < 0 ? 'utf16le' : 'utf8');
  }

  close(): void {
    this.bytes.close();
  }

  private end(n: number): number {
    return this.ends[Math.floor(n / CHUNK)][n % CHUNK];
  }
}
