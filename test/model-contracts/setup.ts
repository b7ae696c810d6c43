/**
 * Shared by the model-contract tests: one tiny model of each architecture
 * (GPT-2, Llama, BERT) with matrices whose input sizes are multiples of 32 (so
 * int8/int4 with group 32 quantize all of them), a character tokenizer with
 * [MASK] and end-of-text whose tokenizer.json is a BPE vocabulary (what GGUF
 * stores), and a Kiln run with the three architecture plugins.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bert, { BertForMaskedLM } from '@kiln/bert';
import {
  createKiln,
  createMemoryLogger,
  type Kiln,
  type KilnContext,
  type KilnPlugin,
  type Tokenizer,
  type UserConfig,
} from '@kiln/core';
import gpt2, { GPT2 } from '@kiln/gpt2';
import llama, { Llama } from '@kiln/llama';
import { type Backend, createRng } from '@kiln/tensor';

export const V = 64;
export const MASK = 61;
export const EOS = 63;
/** Characters are ids 0..60 (char code mod 61). */
const CHARS = Array.from({ length: 61 }, (_, i) => String.fromCharCode(0x41 + i));

export const tokenizer: Tokenizer = {
  type: 'test-chars',
  vocabSize: V,
  specialTokens: { '[MASK]': MASK, '<|endoftext|>': EOS },
  eosId: EOS,
  encode: (text) => [...text].map((c) => c.charCodeAt(0) % 61),
  decode: (ids) => Array.from(ids, (i) => CHARS[i] ?? '').join(''),
  hash: () => 'test-chars',
  toJSON: () => ({
    version: '1.0',
    added_tokens: [
      { id: MASK, content: '[MASK]', special: true },
      { id: 62, content: '<unused>', special: true },
      { id: EOS, content: '<|endoftext|>', special: true },
    ],
    model: { type: 'BPE', vocab: Object.fromEntries(CHARS.map((c, i) => [c, i])), merges: [] },
  }),
};

const tokenizerPlugin: KilnPlugin = {
  name: 'test-chars',
  tokenizer: { name: 'test-chars', train: async () => tokenizer, load: async () => tokenizer },
};

export const ARCHITECTURES = ['gpt2', 'llama', 'bert'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];
export const DECODERS = ['gpt2', 'llama'] as const;

export type TinyModel = GPT2 | Llama | BertForMaskedLM;

/** A freshly initialised model (std 0.1, so logits are far from uniform and compression shows). */
export function tinyModel(name: 'gpt2', be: Backend, seed?: number): GPT2;
export function tinyModel(name: 'llama', be: Backend, seed?: number): Llama;
export function tinyModel(name: 'bert', be: Backend, seed?: number): BertForMaskedLM;
export function tinyModel(name: ArchitectureName, be: Backend, seed?: number): TinyModel;
export function tinyModel(name: ArchitectureName, be: Backend, seed = 1): TinyModel {
  const common = { vocabSize: V, nPositions: 32, nLayer: 2, nEmbd: 32, nHead: 4, initializerRange: 0.1 };
  const rng = createRng(seed);
  if (name === 'gpt2') return new GPT2(common, be, rng);
  if (name === 'llama') return new Llama({ ...common, nKvHead: 2, intermediateSize: 64 }, be, rng);
  return new BertForMaskedLM({ ...common, intermediateSize: 64 }, be, rng);
}

/** A Kiln run (reference backend) with the three architectures, the character tokenizer, `plugins` and more config. */
export async function kilnWith(
  plugins: KilnPlugin[] = [],
  config: UserConfig = {},
): Promise<{ kiln: Kiln; ctx: KilnContext; close(): Promise<void>; runDir: string }> {
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-contracts-'));
  const kiln = await createKiln({
    cwd: runDir,
    runDir,
    logger: createMemoryLogger(),
    config: { backend: 'js', ...config, plugins: [gpt2(), llama(), bert(), tokenizerPlugin, ...plugins] },
  });
  return { kiln, ctx: kiln.context(), close: () => kiln.close(), runDir };
}

/** Text of the tokenizer's characters, n of them, seeded. */
export function sampleText(n: number, seed = 3): string {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => CHARS[rng.int(40)]).join('');
}
