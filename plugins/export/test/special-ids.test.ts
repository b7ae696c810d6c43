// The exported files name the tokenizer's special tokens by the ids the tokenizer gives them: Kiln's
// tokenizers put <|endoftext|> at 0, while an architecture's default (vocabSize − 1) is an ordinary
// token, which llama.cpp would take as end-of-text and stop on.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf as parseGguf } from '@huggingface/gguf';
import { createKiln, createMemoryLogger } from '@kiln/core';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { gguf, huggingface } from '../src/index.js';

/** <|endoftext|> at 0, then 63 ordinary tokens: Kiln's own tokenizers lay special tokens out first. */
function specialsFirstTokenizer() {
  const vocab: Record<string, number> = {};
  for (let i = 1; i < 64; i++) vocab[String.fromCharCode(0x40 + i)] = i;
  return {
    version: '1.0',
    added_tokens: [{ id: 0, content: '<|endoftext|>', special: true }],
    model: { type: 'BPE', vocab, merges: [] },
  };
}

const kiln = await createKiln({ cwd: tmpdir(), logger: createMemoryLogger(), config: { plugins: [gpt2()] } });
const { engine, architecture } = kiln.context().hooks;
const ctx = {
  logger: { info() {} },
  runDir: { readJson: async () => undefined, path: (...parts: string[]) => join(tmpdir(), ...parts) },
  hooks: {
    engine,
    architecture,
    loadTokenizer: async () => ({
      eosId: 0,
      specialTokens: { '<|endoftext|>': 0 },
      toJSON: () => specialsFirstTokenizer(),
    }),
  },
};

describe('special-token ids in exports', () => {
  it("gguf() takes bos/eos from the tokenizer, not the model config's vocabSize − 1", async () => {
    // The model's own config says eos = 63 (GPT-2's default for a 64-token vocabulary).
    const model = new GPT2(
      { vocabSize: 64, nPositions: 16, nLayer: 1, nEmbd: 32, nHead: 4 },
      new ReferenceBackend(),
      createRng(1),
    );
    const out = mkdtempSync(join(tmpdir(), 'kiln-export-ids-'));
    const [file] = await gguf({ type: 'f32' }).exporter.export(model, out, ctx);
    const { metadata } = await parseGguf(join(out, file), { allowLocalFile: true });
    expect(metadata['tokenizer.ggml.eos_token_id']).toBe(0);
    expect(metadata['tokenizer.ggml.bos_token_id']).toBe(0);
    const tokens = metadata['tokenizer.ggml.tokens'] as string[];
    expect(tokens[0]).toBe('<|endoftext|>');
    expect((metadata['tokenizer.ggml.token_type'] as number[])[0]).toBe(3); // CONTROL: an end-of-generation token
    // And the Hugging Face export agrees.
    await huggingface().exporter.export(model, out, ctx);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({
      bos_token_id: 0,
      eos_token_id: 0,
    });
  });
});
