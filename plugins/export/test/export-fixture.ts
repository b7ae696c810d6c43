// A GPT-2 big enough that writing it takes a while (~4 MB f32), and the context the exporters need,
// shared by kill-leftovers.test.ts and its child process.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger } from '@kiln/core';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { gguf, huggingface } from '../src/index.js';

function byteTokenizer() {
  const vocab: Record<string, number> = {};
  for (let i = 0; i < 255; i++) vocab[`b${i}`] = i;
  return {
    version: '1.0',
    added_tokens: [{ id: 255, content: '<|endoftext|>', special: true }],
    model: { type: 'BPE', vocab, merges: [] },
  };
}

export async function exportContext() {
  const kiln = await createKiln({ cwd: tmpdir(), logger: createMemoryLogger(), config: { plugins: [gpt2()] } });
  const { engine, architecture } = kiln.context().hooks;
  const ctx = {
    logger: { info() {} },
    runDir: { readJson: async () => undefined, path: (...parts: string[]) => join(tmpdir(), ...parts) },
    hooks: {
      engine,
      architecture,
      loadTokenizer: async () => ({
        eosId: 255,
        specialTokens: { '<|endoftext|>': 255 },
        toJSON: () => byteTokenizer(),
      }),
    },
  };
  const model = new GPT2(
    { vocabSize: 256, nPositions: 64, nLayer: 4, nEmbd: 128, nHead: 4 },
    new ReferenceBackend(),
    createRng(1),
  );
  return { ctx, model };
}

type Ctx = Awaited<ReturnType<typeof exportContext>>['ctx'];

/** What `kiln export` with [huggingface(), gguf({ type: 'f32' })] writes, each under its format folder. */
export async function exportModel(model: unknown, outDir: string, ctx: Ctx): Promise<void> {
  await huggingface().exporter.export(model, join(outDir, 'huggingface'), ctx);
  await gguf({ type: 'f32' }).exporter.export(model, join(outDir, 'gguf'), ctx);
}
