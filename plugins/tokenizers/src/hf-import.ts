/**
 * Hugging Face tokenizer.json → a Kiln tokenizer. Supports what byte-level BPE and
 * BERT WordPiece tokenizers use; anything else is refused with a message that names
 * the field, never silently encoded differently.
 */

import { readFile } from 'node:fs/promises';
import { BpeModel } from './bpe-model.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { normalizerFromJson } from './normalizer.js';
import { createPreTokenizer, type PreTokenizer } from './pretokenize.js';
import { type WordPieceTokenizer, wordPieceFromHfJson } from './wordpiece.js';

type Json = Record<string, unknown>;

export async function loadTokenizerJson(file: string): Promise<BpeTokenizer | WordPieceTokenizer> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read tokenizer.json: ${(e as Error).message}`);
  }
  return fromHfJson(json, file);
}

export function fromHfJson(json: unknown, where = 'tokenizer.json'): BpeTokenizer | WordPieceTokenizer {
  const root = json as Json;
  const model = root?.model as Json | undefined;
  if (!model || typeof model !== 'object') throw new Error(`${where}: no "model" object`);
  if (model.type === 'WordPiece') return wordPieceFromHfJson(root, where);
  if (model.type !== 'BPE' && !(model.type === undefined && model.merges))
    throw new Error(`${where}: model.type ${JSON.stringify(model.type)} is not supported (BPE, WordPiece)`);
  for (const field of ['continuing_subword_prefix', 'end_of_word_suffix'] as const)
    if (model[field])
      throw new Error(`${where}: model.${field} is set; Kiln loads byte-level BPE only (no subword prefix/suffix)`);
  if (model.byte_fallback)
    throw new Error(`${where}: model.byte_fallback is not supported (byte-level BPE has no unknown characters)`);
  if (model.dropout) throw new Error(`${where}: model.dropout is a training-time option; set it to null`);

  const specials: Record<string, number> = {};
  for (const t of (root.added_tokens as Json[] | undefined) ?? []) specials[t.content as string] = t.id as number;

  const vocab = model.vocab as Record<string, number>;
  if (!vocab || typeof vocab !== 'object') throw new Error(`${where}: model.vocab is missing`);
  const tokenBytes: (Uint8Array | undefined)[] = [];
  for (const [chars, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || id < 0)
      throw new Error(`${where}: model.vocab[${JSON.stringify(chars)}] is not a non-negative integer`);
    if (chars in specials && specials[chars] === id) continue;
    tokenBytes[id] = BpeModel.parseChars(chars, `${where}: model.vocab`);
  }
  const rawMerges = (model.merges as (string | [string, string])[] | undefined) ?? [];
  const merges = new Int32Array(rawMerges.length * 2);
  const result = new Int32Array(rawMerges.length);
  rawMerges.forEach((m, k) => {
    const [l, r] = typeof m === 'string' ? splitMerge(m) : m;
    const li = vocab[l];
    const ri = vocab[r];
    const ci = vocab[l + r];
    if (li === undefined || ri === undefined || ci === undefined)
      throw new Error(`${where}: model.merges[${k}] ${JSON.stringify(m)} uses a token missing from model.vocab`);
    merges[2 * k] = li;
    merges[2 * k + 1] = ri;
    result[k] = ci;
  });
  const { preTokenizer, addPrefixSpace } = readPreTokenizer(root.pre_tokenizer, where);
  checkDecoder(root.decoder, where);
  return new BpeTokenizer({
    type: 'kiln:bpe',
    model: new BpeModel(tokenBytes, merges, result, Boolean(model.ignore_merges)),
    preTokenizer,
    specialTokens: specials,
    normalizers: normalizerFromJson(root.normalizer, where),
    addPrefixSpace,
  });
}

function splitMerge(m: string): [string, string] {
  const sp = m.indexOf(' ', 1);
  return [m.slice(0, sp), m.slice(sp + 1)];
}

function readPreTokenizer(
  node: unknown,
  where: string,
): { preTokenizer: PreTokenizer | null; addPrefixSpace: boolean } {
  const steps =
    (node as Json | null)?.type === 'Sequence' ? ((node as Json).pretokenizers as Json[]) : node ? [node as Json] : [];
  let split: PreTokenizer | null = null;
  let byteLevel: Json | undefined;
  for (const [i, step] of steps.entries()) {
    const at = `${where}: pre_tokenizer${steps.length > 1 ? `.pretokenizers[${i}]` : ''}`;
    if (step.type === 'ByteLevel') {
      if (byteLevel) throw new Error(`${at}: ByteLevel appears twice`);
      byteLevel = step;
    } else if (step.type === 'Split' && !byteLevel && !split) {
      const pattern = step.pattern as { Regex?: string; String?: string };
      if (step.invert) throw new Error(`${at}: Split with invert is not supported`);
      if (step.behavior !== 'Isolated')
        throw new Error(`${at}: Split behavior ${JSON.stringify(step.behavior)} is not supported (Isolated)`);
      const source = pattern.Regex ?? (pattern.String ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      split = createPreTokenizer(source);
    } else {
      throw new Error(
        `${at}: ${JSON.stringify(step.type)} is not supported here (ByteLevel, or Split(Isolated) then ByteLevel)`,
      );
    }
  }
  if (!byteLevel) throw new Error(`${where}: pre_tokenizer has no ByteLevel step; Kiln loads byte-level BPE only`);
  if (byteLevel.use_regex !== false && split)
    throw new Error(`${where}: pre_tokenizer has both a Split and ByteLevel(use_regex: true)`);
  const preTokenizer = byteLevel.use_regex !== false ? createPreTokenizer('gpt2') : split;
  return { preTokenizer, addPrefixSpace: Boolean(byteLevel.add_prefix_space) };
}

function checkDecoder(node: unknown, where: string): void {
  const type = (node as Json | null)?.type;
  if (type !== undefined && type !== 'ByteLevel')
    throw new Error(`${where}: decoder ${JSON.stringify(type)} is not supported for byte-level BPE (ByteLevel)`);
}
