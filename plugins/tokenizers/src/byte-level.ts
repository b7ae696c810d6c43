/**
 * GPT-2's byte ↔ unicode map and a UTF-8 encoder that never throws.
 *
 * Byte-level BPE works on bytes, but vocabularies are stored as strings (in
 * tokenizer.json, encoder.json, vocab.bpe). GPT-2 maps each byte to a printable
 * character: printable Latin-1 bytes map to themselves, the others to U+0100 and up.
 * Kiln gives byte b the id BYTE_ORDER.indexOf(b), i.e. GPT-2's own first 256 ids.
 */

/** BYTE_TO_CHAR[b] is the printable character that stands for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
/** Inverse of BYTE_TO_CHAR: code point → byte, -1 for characters that stand for no byte. */
const CHAR_TO_BYTE = new Int16Array(324).fill(-1);
for (let b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b].charCodeAt(0)] = b;

/** Bytes in GPT-2's vocabulary order: id i of a byte-level vocabulary is byte BYTE_ORDER[i]. */
export const BYTE_ORDER: readonly number[] = buildByteOrder();

function buildByteOrder(): number[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) bs.push(b);
  return bs;
}

function buildByteToChar(): string[] {
  const order = buildByteOrder();
  const out = new Array<string>(256);
  let extra = 0;
  for (const b of order) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return out;
}

/** Bytes → their byte-level string (as stored in vocabularies). */
export function bytesToChars(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** Byte-level string → bytes; undefined when a character stands for no byte. */
export function charsToBytes(chars: string): Uint8Array | undefined {
  const out = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}

/**
 * UTF-8 bytes of text[start, end) written into out (which must hold 3 bytes per
 * UTF-16 unit); returns the byte count. Lone surrogates become U+FFFD (EF BF BD),
 * as TextEncoder and Hugging Face's Rust strings do.
 */
export function utf8Into(text: string, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 63);
        out[n++] = 0x80 | ((c >> 6) & 63);
        out[n++] = 0x80 | (c & 63);
      } else {
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}
