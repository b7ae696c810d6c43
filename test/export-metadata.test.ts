// The Hugging Face export takes bos/eos/pad ids from the tokenizer the run used (Kiln's put special tokens
// at 0..n; the GPT-2 architecture's own default is vocabSize − 1, an ordinary token) and carries the chat template.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { huggingface } from '@kiln/export';
import { CHAT_TEMPLATES, writeChatFiles } from '@kiln/finetune';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import tokenizers, { saveTokenizer, trainBpe } from '@kiln/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'kiln-export-meta-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const read = (rel: string) => JSON.parse(readFileSync(join(root, 'run', rel), 'utf8'));

describe('export metadata from the run', () => {
  it("config.json and generation_config.json name the tokenizer's <|endoftext|>; tokenizer_config.json has the chat template", async () => {
    const tok = await trainBpe(['some text to learn a few merges from, some text'], {
      vocabSize: 300,
      specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<pad>'],
    });
    await saveTokenizer(tok, join(root, 'run/tokenizer'));
    const model = new GPT2(
      { vocabSize: 300, nPositions: 16, nLayer: 1, nEmbd: 16, nHead: 2 },
      new ReferenceBackend(),
      createRng(1),
    );
    await model.save(join(root, 'run/finetune/step-000002'));
    model.dispose();
    await writeChatFiles(join(root, 'run/finetune/step-000002'), tok, CHAT_TEMPLATES.chatml, 'test@0');
    expect(read('finetune/step-000002/config.json').eos_token_id).toBe(299); // the architecture's guess
    writeFileSync(
      join(root, 'run/state.json'),
      JSON.stringify({
        format: 'kiln-run-state',
        version: 1,
        writer: 'test',
        stages: {},
        modelDir: 'finetune/step-000002',
      }),
    );
    const kiln = await createKiln({
      cwd: root,
      runDir: join(root, 'run'),
      logger: createMemoryLogger(),
      config: { backend: 'js', plugins: [gpt2(), tokenizers(), huggingface()], export: {} },
    });
    try {
      await kiln.run(['export']);
    } finally {
      await kiln.close();
    }
    const eos = tok.specialTokens['<|endoftext|>'];
    expect(eos).toBe(0);
    expect(read('export/huggingface/config.json')).toMatchObject({
      eos_token_id: eos,
      bos_token_id: eos,
      pad_token_id: tok.specialTokens['<pad>'],
    });
    expect(read('export/huggingface/generation_config.json')).toMatchObject({
      eos_token_id: eos,
      bos_token_id: eos,
      pad_token_id: 3,
    });
    expect(read('export/huggingface/tokenizer_config.json')).toMatchObject({
      eos_token: '<|endoftext|>',
      pad_token: '<pad>',
      chat_template: CHAT_TEMPLATES.chatml.jinja,
    });
  });
});
