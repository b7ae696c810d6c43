/**
 * Decoding a file's bytes as UTF-8 while counting what is not: a Latin-1 file read as UTF-8 turns every
 * accented letter into U+FFFD, silently. Chunks are checked with Node's native isUtf8 (a sequence split
 * across two chunks is carried over whole), and only a chunk that fails is walked byte by byte.
 */
import { isUtf8 } from 'node:buffer';
import type { KilnContext } from '@kiln/core';

/** What a source does with bytes that are not UTF-8: fail naming the file (default), or read them as U+FFFD and warn. */
export type InvalidUtf8 = 'error' | 'replace';

/** Length of `b` up to its last complete sequence: a lead byte whose sequence runs past the end starts the carry. */
function completeLength(b: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, b.length); back++) {
    const byte = b[b.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? b.length - back : b.length;
  }
  return b.length;
}

/** The bytes a sequence led by `c` needs after it, and the range its first one must fall in (RFC 3629's table). */
function leadOf(c: number): { more: number; lo: number; hi: number } {
  if (c >= 0xc2 && c <= 0xdf) return { more: 1, lo: 0x80, hi: 0xbf };
  if (c >= 0xe0 && c <= 0xef) return { more: 2, lo: c === 0xe0 ? 0xa0 : 0x80, hi: c === 0xed ? 0x9f : 0xbf };
  if (c >= 0xf0 && c <= 0xf4) return { more: 3, lo: c === 0xf0 ? 0x90 : 0x80, hi: c === 0xf4 ? 0x8f : 0xbf };
  return { more: 0, lo: 0, hi: -1 };
}

/**
 * At byte `i`: how many bytes the sequence there covers and whether it is valid. An invalid one covers
 * its maximal subpart (a lead byte and the continuations that could still have completed it), which a
 * decoder turns into one U+FFFD (the WHATWG/Unicode rule).
 */
function sequenceAt(b: Uint8Array, i: number): { length: number; valid: boolean } {
  const c = b[i];
  if (c < 0x80) return { length: 1, valid: true };
  const { more, lo, hi } = leadOf(c);
  let k = 1;
  while (k <= more && i + k < b.length && b[i + k] >= (k === 1 ? lo : 0x80) && b[i + k] <= (k === 1 ? hi : 0xbf)) k++;
  return { length: k, valid: more > 0 && k === more + 1 };
}

/** The bytes of one file, decoded chunk by chunk, counting invalid sequences and where the first one is. */
export class Utf8Text {
  /** Invalid sequences read so far (each run of invalid bytes that the decoder turns into one U+FFFD). */
  invalid = 0;
  /** Byte offset of the first invalid sequence, or -1. */
  firstAt = -1;
  // ignoreBOM: a leading BOM stays in the text, as Buffer#toString leaves it.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private carry: Uint8Array = new Uint8Array(0);
  private offset = 0;

  push(chunk: Uint8Array): string {
    const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const end = completeLength(bytes);
    this.carry = bytes.slice(end);
    return this.decode(bytes.subarray(0, end), true);
  }

  /** The end of the file: a sequence it cuts short is invalid too. */
  end(): string {
    const rest = this.decode(this.carry, false);
    this.carry = new Uint8Array(0);
    return rest;
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    if (!isUtf8(bytes)) this.count(bytes);
    this.offset += bytes.length;
    return this.decoder.decode(bytes, { stream });
  }

  /** Walks the bytes as the decoder does: each maximal invalid subpart is one U+FFFD. */
  private count(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const { length, valid } = sequenceAt(bytes, i);
      if (!valid) {
        if (this.firstAt < 0) this.firstAt = this.offset + i;
        this.invalid++;
      }
      i += length;
    }
  }
}

/** After a file: fail naming it (the default), or warn with the count when the source allows invalid UTF-8. */
export function checkUtf8(check: Utf8Text, source: string, file: string, mode: InvalidUtf8, ctx: KilnContext): void {
  if (check.invalid === 0) return;
  const what = `${source}: ${file} is not valid UTF-8: ${check.invalid} invalid byte sequence${check.invalid === 1 ? '' : 's'}, the first at byte ${check.firstAt}`;
  if (mode === 'replace') {
    ctx.logger.warn(`${what}, read as U+FFFD`);
    return;
  }
  throw new Error(
    `${what}; convert it to UTF-8 (iconv -f latin1 -t utf-8), or set invalidUtf8: 'replace' to read them as U+FFFD`,
  );
}
