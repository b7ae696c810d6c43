import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpillFileOptions {
  /** Where the temporary file goes (default os.tmpdir()). */
  directory?: string;
  /** Bytes kept in memory before a write (default 64 KiB). */
  bufferBytes?: number;
}

interface OpenFile {
  fd: number;
  /** Set while the file could not be unlinked at once (Windows): removed on close. */
  path?: string;
}

/** Files of SpillFiles that were never closed, closed (and removed) when the process exits. */
const openFiles = new Set<OpenFile>();
const closeLost = new FinalizationRegistry<OpenFile>(closeFile);
let exitHook = false;

function closeFile(file: OpenFile): void {
  if (!openFiles.delete(file)) return;
  try {
    closeSync(file.fd);
    if (file.path) unlinkSync(file.path);
  } catch {
    // Closing is best effort: the process is ending or the file is already gone.
  }
}

/**
 * Append-only bytes kept out of memory: an anonymous temporary file (unlinked as
 * soon as it is open, so nothing is left behind however the process ends) behind
 * a small write buffer. Dedup indexes keep what they only read back rarely here
 * (signatures and ids of kept documents): it stays out of the heap and out of the
 * process's RSS, in the page cache, which the kernel may drop. The file opens on
 * the first full buffer; where it cannot be created, the bytes stay in memory.
 */
export class SpillFile {
  private readonly buffer: Buffer;
  private buffered = 0;
  private file: OpenFile | undefined;
  /** Used instead of a file where none could be made: the full buffers, in order. */
  private memory: Buffer[] | undefined;
  private written = 0;
  private closed = false;

  constructor(private readonly options: SpillFileOptions = {}) {
    this.buffer = Buffer.alloc(options.bufferBytes ?? 1 << 16);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.written + this.buffered;
  }

  /** Whether the bytes go to a file (false before the first write, or where no file could be made). */
  get onDisk(): boolean {
    return this.file !== undefined;
  }

  /** Appends `bytes`; returns the offset they start at. */
  append(bytes: Uint8Array): number {
    if (this.closed) throw new Error('SpillFile: append after close');
    const at = this.length;
    let from = 0;
    while (from < bytes.length) {
      const n = Math.min(bytes.length - from, this.buffer.length - this.buffered);
      this.buffer.set(bytes.subarray(from, from + n), this.buffered);
      this.buffered += n;
      from += n;
      if (this.buffered === this.buffer.length) this.flush();
    }
    return at;
  }

  /** Fills `into` with the bytes at `offset`. */
  read(offset: number, into: Uint8Array): void {
    if (this.closed) throw new Error('SpillFile: read after close');
    if (offset < 0 || offset + into.length > this.length) {
      throw new RangeError(`SpillFile: bytes [${offset}, ${offset + into.length}) are past the end (${this.length})`);
    }
    const fromStore = Math.max(0, Math.min(into.length, this.written - offset));
    if (fromStore > 0) this.readStored(offset, into.subarray(0, fromStore));
    if (fromStore < into.length) {
      const start = offset + fromStore - this.written;
      into.set(this.buffer.subarray(start, start + into.length - fromStore), fromStore);
    }
  }

  /** Closes the file; the SpillFile cannot be used after. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.memory = undefined;
    if (this.file) {
      closeLost.unregister(this);
      closeFile(this.file);
    }
  }

  private flush(): void {
    if (!this.file && !this.memory) this.open();
    if (this.file) {
      let done = 0;
      while (done < this.buffered)
        done += writeSync(this.file.fd, this.buffer, done, this.buffered - done, this.written + done);
    } else this.memory?.push(Buffer.from(this.buffer.subarray(0, this.buffered)));
    this.written += this.buffered;
    this.buffered = 0;
  }

  private readStored(offset: number, into: Uint8Array): void {
    if (this.file) {
      let done = 0;
      while (done < into.length) {
        const n = readSync(this.file.fd, into, done, into.length - done, offset + done);
        if (n === 0) throw new Error(`SpillFile: temporary file ended early at ${offset + done}`);
        done += n;
      }
      return;
    }
    const size = this.buffer.length;
    for (let done = 0; done < into.length; ) {
      const at = offset + done;
      const chunk = (this.memory as Buffer[])[Math.floor(at / size)];
      const start = at % size;
      const n = Math.min(into.length - done, size - start);
      into.set(chunk.subarray(start, start + n), done);
      done += n;
    }
  }

  private open(): void {
    const path = join(
      this.options.directory ?? tmpdir(),
      `kiln-spill-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    let fd: number;
    try {
      fd = openSync(path, 'wx+', 0o600);
    } catch {
      this.memory = [];
      return;
    }
    const file: OpenFile = { fd };
    try {
      unlinkSync(path);
    } catch {
      file.path = path;
    }
    this.file = file;
    openFiles.add(file);
    closeLost.register(this, file, this);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const f of [...openFiles]) closeFile(f);
      });
    }
  }
}
