// The example as the README runs it (same config file, same core), shortened: `kiln run` (every stage
// the config has: data, tokenizer, encode, train, export), 30 training steps on the plain JS backend,
// then generation through the KV-cached engine, and the exports read by the tools they are for.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gguf as parseGguf } from '@huggingface/gguf';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { createModelGenerator, toEngine } from '@kiln/generate';
import { describe, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));

describe('example: llama-sotu', () => {
  it('kiln run (shortened): every configured stage, generation, and exports Hugging Face and llama.cpp read', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'kiln-llama-sotu-'));
    const kiln = await createKiln({
      cwd: EXAMPLE,
      command: 'run',
      runDir,
      logger: createMemoryLogger(),
      overrides: [
        'backend=js',
        'train.steps=30',
        'train.batchSize=4',
        'train.warmupSteps=3',
        'train.evalEvery=10',
        'train.evalBatches=2',
        'train.checkpointEvery=0',
      ],
    });
    try {
      // No stage list: what `kiln run` runs.
      const results = await kiln.run();
      expect(Object.keys(results)).toEqual(['data', 'tokenizer', 'encode', 'train', 'export']);
      expect(results.train.metrics!['val/loss']).toBeLessThan(Math.log(257));
      const hooks = kiln.context().hooks;
      const { model } = await hooks.loadModel();
      const tokenizer = await hooks.loadTokenizer();
      const generator = createModelGenerator(toEngine(model, hooks, 'test'), tokenizer);
      let text = '';
      for await (const c of generator.generate('The ', { maxTokens: 16, seed: 1 })) text += c.text;
      expect(text.length).toBeGreaterThan(0);

      // The byte tokenizer as Hugging Face loads it: the same ids as Kiln's.
      const hf = join(runDir, 'export/huggingface');
      const read = (file: string) => JSON.parse(readFileSync(join(hf, file), 'utf8'));
      const hfTokenizer = new HfTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
      const sample = 'Fellow-Citizens of the Senate — ünïcödé<|endoftext|>';
      expect(hfTokenizer.encode(sample, { add_special_tokens: false }).ids).toEqual(
        tokenizer.encode(sample, { allowSpecial: true }),
      );
      expect(read('config.json')).toMatchObject({ model_type: 'llama', eos_token_id: 256 });
      // The GGUF names byte tokens and end-of-text (256, a control token) for llama.cpp.
      const { metadata } = await parseGguf(join(runDir, 'export/gguf/model-f16.gguf'), { allowLocalFile: true });
      expect(metadata['general.architecture']).toBe('llama');
      expect(metadata['tokenizer.ggml.model']).toBe('gpt2');
      expect(metadata['tokenizer.ggml.tokens']).toHaveLength(257);
      expect(metadata['tokenizer.ggml.eos_token_id']).toBe(256);
      expect((metadata['tokenizer.ggml.token_type'] as number[])[256]).toBe(3);
    } finally {
      await kiln.close();
    }
  }, 180_000);
});
