// The trainer's checkpoints and model name end-of-text by the run's tokenizer id. Kiln's BPE puts
// <|endoftext|> at 0; the architectures' own default (vocabSize − 1) is an ordinary token, which every
// reader of config.json (exports, Hugging Face, llama.cpp) would otherwise take as the end of text.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { shards, textFiles } from '@kiln/data';
import gpt2 from '@kiln/gpt2';
import llama from '@kiln/llama';
import tokenizers from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
import { describe, expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const TEXT = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8').slice(
  0,
  20_000,
);

async function train(architecture: 'gpt2' | 'llama', model: Record<string, unknown> = {}) {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'token-ids-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'corpus.txt'), TEXT);
  const kiln = await createKiln({
    cwd,
    logger: createMemoryLogger(),
    config: {
      name: 'ids',
      seed: 3,
      backend: 'js',
      plugins: [
        textFiles({ include: 'corpus.txt', split: 'paragraph' }),
        tokenizers(),
        shards(),
        gpt2(),
        llama(),
        trainer(),
      ],
      tokenizer: { type: 'bpe', vocabSize: 300, specialTokens: ['<|endoftext|>'] },
      encode: {},
      model: { architecture, vocabSize: 300, context: 16, nLayer: 1, nEmbd: 16, nHead: 2, ...model },
      train: { trainer: 'causal-lm', steps: 2, batchSize: 2, seqLen: 16, evalEvery: 0, checkpointEvery: 1 },
    },
  });
  try {
    await kiln.run(['data', 'tokenizer', 'encode', 'train']);
    const runDir = kiln.config.runDir;
    const tokenizer = await kiln.context().hooks.loadTokenizer();
    const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as { modelDir: string };
    const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    return {
      eosId: tokenizer.eosId,
      model: read(join(runDir, state.modelDir)),
      checkpoint: read(join(runDir, 'checkpoints/step-000002')),
    };
  } finally {
    await kiln.close();
  }
}

describe("the trainer's config.json carries the tokenizer's ids", () => {
  test('GPT-2: eos (and bos) = <|endoftext|> of the run tokenizer, not vocabSize − 1', async () => {
    const { eosId, model, checkpoint } = await train('gpt2');
    expect(eosId).toBe(0);
    for (const config of [model, checkpoint]) expect(config).toMatchObject({ bos_token_id: 0, eos_token_id: 0 });
  });

  test('Llama: the same; an id the config sets itself still wins', async () => {
    const { model } = await train('llama', { nKvHead: 1, intermediateSize: 32 });
    expect(model).toMatchObject({ bos_token_id: 0, eos_token_id: 0 });
    const set = await train('llama', { nKvHead: 1, intermediateSize: 32, eosTokenId: 5 });
    expect(set.model).toMatchObject({ eos_token_id: 5 });
  });
});
