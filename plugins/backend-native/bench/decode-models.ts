/**
 * The models of the decode benchmark: a random-init GPT-2 saved in Hugging Face's
 * layout, the same weights as GGUF f32 and q8_0 for llama.cpp, and a byte-level
 * tokenizer (256 bytes + <|endoftext|>, the rest of the vocabulary unused ids) so
 * both sides read the same token ids.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeBackend } from '@kiln/backend-native';
import { exportGgufFromDir } from '@kiln/export';
import { GPT2, gpt2Gguf } from '@kiln/gpt2';
import { createRng } from '@kiln/tensor';

export interface DecodeModel {
  key: string;
  label: string;
  config: { vocabSize: number; nPositions: number; nLayer: number; nEmbd: number; nHead: number };
}

export const MODELS: DecodeModel[] = [
  {
    key: 'quickstart',
    // examples/quickstart's model; its context of 128 raised to 256 so a 16-token prompt + 128 new tokens fit.
    label: 'quickstart 4L/128 V4096 (0.8M)',
    config: { vocabSize: 4096, nPositions: 256, nLayer: 4, nEmbd: 128, nHead: 4 },
  },
  {
    key: '124m',
    label: 'GPT-2 124M 12L/768 V50257',
    config: { vocabSize: 50257, nPositions: 1024, nLayer: 12, nEmbd: 768, nHead: 12 },
  },
];

/** GPT-2's byte-level alphabet (bytes to the printable characters its BPE uses), <|endoftext|> = 256. */
function byteTokenizerJson(): unknown {
  const bytes: number[] = [];
  for (const [a, b] of [
    [33, 126],
    [161, 172],
    [174, 255],
  ])
    for (let i = a; i <= b; i++) bytes.push(i);
  const chars = [...bytes];
  for (let b = 0, extra = 0; b < 256; b++) if (!bytes.includes(b)) bytes.push(b), chars.push(256 + extra++);
  const vocab = Object.fromEntries(bytes.map((b, i) => [String.fromCodePoint(chars[i]), b]));
  return {
    version: '1.0',
    added_tokens: [{ id: 256, content: '<|endoftext|>', special: true }],
    model: { type: 'BPE', vocab, merges: [] },
  };
}

export interface PreparedModel {
  dir: string;
  gguf: { f32: string; q8_0: string };
}

/** Writes the model (seed 1) once per run into a temporary directory, with its GGUF files. */
export async function prepareModel(m: DecodeModel): Promise<PreparedModel> {
  const dir = join(tmpdir(), `kiln-decode-bench-${m.key}-${process.pid}`);
  const gguf = { f32: join(dir, 'model-f32.gguf'), q8_0: join(dir, 'model-q8_0.gguf') };
  if (existsSync(gguf.q8_0)) return { dir, gguf };
  mkdirSync(dir, { recursive: true });
  const be = await NativeBackend.create({ threads: 1 });
  const model = new GPT2(m.config, be, createRng(1));
  await model.save(dir);
  model.dispose();
  await be.dispose();
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(byteTokenizerJson()));
  for (const type of ['f32', 'q8_0'] as const)
    await exportGgufFromDir(dir, gguf[type], gpt2Gguf, { type, tokenizerOptions: { bosId: 256, eosId: 256 } });
  return { dir, gguf };
}
