/**
 * Byte-level BPE → Hugging Face tokenizer.json (the format `tokenizers` and
 * transformers.js load). Special tokens go in added_tokens and in the vocabulary, as
 * the Hugging Face trainer writes them.
 */

import type { BpeTokenizer } from './bpe-tokenizer.js';
import { normalizerToJson } from './normalizer.js';

export function addedTokensJson(specials: Readonly<Record<string, number>>): unknown[] {
  return Object.entries(specials)
    .sort((x, y) => x[1] - y[1])
    .map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
}

export function bpeToHfJson(tok: BpeTokenizer): Record<string, unknown> {
  const model = tok.model;
  const vocab: Record<string, number> = {};
  for (let id = 0; id < tok.vocabSize; id++) {
    const chars = tok.idToToken(id);
    if (chars !== undefined && !(chars in vocab)) vocab[chars] = id;
  }
  const merges: [string, string][] = [];
  for (let k = 0; k < model.mergeCount; k++)
    merges.push([model.charsOf(model.mergeLeft[k])!, model.charsOf(model.mergeRight[k])!]);
  const byteLevel = (useRegex: boolean) => ({
    type: 'ByteLevel',
    add_prefix_space: tok.addPrefixSpace,
    trim_offsets: true,
    use_regex: useRegex,
  });
  const pre = tok.preTokenizer;
  let preTokenizer: unknown;
  if (pre?.kind === 'gpt2') preTokenizer = byteLevel(true);
  else if (pre)
    preTokenizer = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: pre.pattern }, behavior: 'Isolated', invert: false },
        byteLevel(false),
      ],
    };
  else preTokenizer = byteLevel(false);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokensJson(tok.specialTokens),
    normalizer: normalizerToJson(tok.normalizers),
    pre_tokenizer: preTokenizer,
    post_processor: { type: 'ByteLevel', add_prefix_space: tok.addPrefixSpace, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: model.ignoreMerges,
      vocab,
      merges,
    },
  };
}
