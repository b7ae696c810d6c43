/**
 * The byte tokenizer as a Hugging Face tokenizer.json: a BPE model with no merges over the
 * ByteLevel alphabet (GPT-2's printable character for each byte), id b for byte b, and
 * end-of-text as an added special token. The ByteLevel pre-tokenizer turns text into those
 * characters, and with nothing to merge each byte is one token: `tokenizers`,
 * @huggingface/tokenizers and transformers encode exactly as Kiln does, and GGUF takes it
 * as a `gpt2` vocabulary.
 */

/** GPT-2's character for each byte: printable Latin-1 stands for itself, the rest count up from U+0100. */
const BYTE_CHARS: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(printable(b) ? b : next++));
  return chars;
})();

export function byteLevelJson(eos: string, eosId: number): Record<string, unknown> {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: eosId, content: eos, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(BYTE_CHARS.map((c, b) => [c, b])),
      merges: [],
    },
  };
}

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: unknown[] };
  added_tokens?: Array<{ id: number; content: string }>;
}

/** Whether a tokenizer.json is the byte tokenizer: this layout, or the `kiln:bytes` one written before it. */
export function isByteLevelJson(json: unknown, eos: string, eosId: number): boolean {
  const j = json as TokenizerJson;
  if (j?.model?.type === 'kiln:bytes') return true;
  if (j?.model?.type !== 'BPE' || (j.model.merges?.length ?? 0) > 0) return false;
  const vocab = j.model.vocab ?? {};
  if (Object.keys(vocab).length !== 256 || !BYTE_CHARS.every((c, b) => vocab[c] === b)) return false;
  const added = j.added_tokens ?? [];
  return added.length === 1 && added[0].id === eosId && added[0].content === eos;
}
