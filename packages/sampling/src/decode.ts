/**
 * Streaming detokenization. Byte-level BPE tokens can end in the middle of a UTF-8
 * character, so decoding tokens one by one would emit U+FFFD garbage. As Hugging
 * Face's text-generation-inference does, we decode a short window of recent tokens
 * and emit only the new text once it no longer ends in a replacement character.
 */
export interface Detokenizer {
  decode(ids: ArrayLike<number>): string;
}

export class IncrementalDecoder {
  private ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly tokenizer: Detokenizer) {}

  /** Adds one token and returns the text it completes ('' while a character is unfinished). */
  push(id: number): string {
    this.ids.push(id);
    const prefix = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const full = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    if (full.length > prefix.length && !full.endsWith('\uFFFD')) {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return full.slice(prefix.length);
    }
    return '';
  }

  /** Whatever is still pending at the end (an unfinished character decodes as U+FFFD). */
  flush(): string {
    const prefix = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const full = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return full.slice(prefix.length);
  }
}
