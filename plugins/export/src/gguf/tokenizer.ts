/**
 * A Hugging Face tokenizer.json (byte-level BPE) as llama.cpp's `tokenizer.ggml.*`
 * metadata: the tokens in id order, the merges as "left right" strings, and a type
 * per token (control for special added tokens).
 */
import { type GgufMetadata, kv } from './types.js';

/** llama.cpp's token types (llama_token_type). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]> };
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
}

export interface GgufTokenizerOptions {
  /** Pre-tokenizer name llama.cpp knows (tokenizer.ggml.pre), default 'gpt-2'. */
  pre?: string;
  bosId?: number;
  eosId?: number;
  padId?: number;
  /** Vocabulary size of the model: the token list is padded with unused entries up to it. */
  vocabSize?: number;
}

export function tokenizerMetadata(
  tokenizerJson: unknown,
  options: GgufTokenizerOptions = {},
  where = 'tokenizer.json',
): GgufMetadata {
  const tj = tokenizerJson as TokenizerJson;
  if (!tj || typeof tj !== 'object' || !tj.model)
    throw new Error(`${where}: not a Hugging Face tokenizer.json (no "model")`);
  if (tj.model.type !== 'BPE')
    throw new Error(`${where}: model.type is ${JSON.stringify(tj.model.type)}; GGUF export supports BPE tokenizers`);
  const vocab = tj.model.vocab ?? {};
  const added = tj.added_tokens ?? [];
  const byId = new Map<number, { text: string; type: number }>();
  for (const [text, id] of Object.entries(vocab)) byId.set(id, { text, type: TokenType.NORMAL });
  for (const t of added)
    byId.set(t.id, { text: t.content, type: t.special ? TokenType.CONTROL : TokenType.USER_DEFINED });
  const maxId = Math.max(-1, ...byId.keys());
  const size = Math.max(maxId + 1, options.vocabSize ?? 0);
  if (options.vocabSize !== undefined && maxId >= options.vocabSize)
    throw new Error(`${where}: token id ${maxId} does not fit the model's vocabulary of ${options.vocabSize}`);
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < size; id++) {
    const t = byId.get(id);
    if (!t && id <= maxId) throw new Error(`${where}: no token has id ${id}; ids must be contiguous`);
    // Ids past the tokenizer (a model padded to a round vocabulary) get placeholder tokens.
    tokens.push(t?.text ?? `[PAD${id}]`);
    types.push(t?.type ?? TokenType.UNUSED);
  }
  const merges = (tj.model.merges ?? []).map((m, i) => {
    if (typeof m === 'string') return m;
    if (Array.isArray(m) && m.length === 2) return `${m[0]} ${m[1]}`;
    throw new Error(`${where}: model.merges[${i}] is neither "a b" nor ["a", "b"]`);
  });
  const endOfText = added.find((t) => t.content === '<|endoftext|>')?.id;
  const eos = options.eosId ?? endOfText;
  const bos = options.bosId ?? eos;
  const meta: GgufMetadata = {
    'tokenizer.ggml.model': kv.string('gpt2'),
    'tokenizer.ggml.pre': kv.string(options.pre ?? 'gpt-2'),
    'tokenizer.ggml.tokens': kv.array('string', tokens),
    'tokenizer.ggml.token_type': kv.array('i32', types),
    'tokenizer.ggml.merges': kv.array('string', merges),
  };
  if (bos !== undefined) meta['tokenizer.ggml.bos_token_id'] = kv.u32(bos);
  if (eos !== undefined) meta['tokenizer.ggml.eos_token_id'] = kv.u32(eos);
  if (options.padId !== undefined) meta['tokenizer.ggml.padding_token_id'] = kv.u32(options.padId);
  return meta;
}
