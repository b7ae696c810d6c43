import { SpillFile, type SpillFileOptions } from '../util/spill-file.js';
import { U32Table } from './u32-table.js';

/**
 * Distinct 128-bit keys (16-character latin1 strings, as dedupKey makes them),
 * numbered in the order they were added. Memory holds one table slot a key: its
 * first 32 bits and its number (13–17 bytes). All 128 bits go to a SpillFile
 * and are read back where the first 32 match, which for random keys is only a
 * repeat (or one in 2³² of the rest), so a lookup costs a read per duplicate.
 */
export class Key128Index {
  private readonly table = new U32Table();
  private readonly keys: SpillFile;
  private readonly bytes = Buffer.alloc(16);
  private readonly stored = Buffer.alloc(16);
  private count = 0;

  constructor(options?: SpillFileOptions) {
    this.keys = new SpillFile(options);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held in memory (the table; the keys are on disk). */
  get byteLength(): number {
    return this.table.byteLength;
  }

  /** The number of `key`, or -1 where it was never added. */
  indexOf(key: string): number {
    const bytes = this.encode(key);
    let found = -1;
    this.table.forEach(bytes.readUInt32LE(0), (value) => {
      this.keys.read((value - 1) * 16, this.stored);
      if (this.stored.equals(bytes)) found = value - 1;
      return found >= 0;
    });
    return found;
  }

  /** Adds `key` (which must not be in the index yet); returns its number. */
  add(key: string): number {
    const bytes = this.encode(key);
    if (this.count >= 0xfffffffe) throw new Error(`exact-dedup: more than ${this.count} distinct documents`);
    this.keys.append(bytes);
    this.table.add(bytes.readUInt32LE(0), ++this.count);
    return this.count - 1;
  }

  close(): void {
    this.keys.close();
  }

  private encode(key: string): Buffer {
    if (key.length !== 16 || this.bytes.write(key, 'latin1') !== 16) {
      throw new Error(`Key128Index: expected a 16-character latin1 key, got ${key.length} characters`);
    }
    return this.bytes;
  }
}
