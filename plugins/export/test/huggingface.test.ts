import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT2 } from '@kiln/gpt2';
import { ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { exportHuggingFace } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-hf-export-'));
const tokenizer = {
  version: '1.0',
  added_tokens: [{ id: 63, content: '<|endoftext|>', special: true }],
  model: {
    type: 'BPE',
    vocab: Object.fromEntries(Array.from({ length: 63 }, (_, i) => [String.fromCharCode(0x41 + i), i])),
    merges: [],
  },
};

describe('exportHuggingFace', () => {
  it('writes the five files a Hugging Face loader expects, and Kiln loads them back', async () => {
    const backend = new ReferenceBackend();
    const model = new GPT2({ vocabSize: 64, nPositions: 16, nLayer: 1, nEmbd: 16, nHead: 2 }, backend);
    const ckpt = join(dir, 'ckpt');
    await model.save(ckpt);
    const out = join(dir, 'hf');
    const config = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8'));
    const files = await exportHuggingFace(out, {
      weights: join(ckpt, 'model.safetensors'),
      config,
      tokenizer,
      generationConfig: { do_sample: true, temperature: 0.8, top_p: 0.95 },
      extraFiles: { 'README.md': '# tiny\n' },
    });
    expect(files.sort()).toEqual([
      'README.md',
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(readdirSync(out).sort()).toEqual(files.sort());
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(ckpt, 'model.safetensors')))).toBe(
      true,
    );
    expect(JSON.parse(readFileSync(join(out, 'generation_config.json'), 'utf8'))).toEqual({
      _from_model_config: true,
      bos_token_id: 63,
      eos_token_id: 63,
      do_sample: true,
      temperature: 0.8,
      top_p: 0.95,
    });
    expect(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8'))).toEqual({
      tokenizer_class: 'PreTrainedTokenizerFast',
      model_max_length: 16,
      clean_up_tokenization_spaces: false,
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
    });
    expect(JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8'))).toEqual(tokenizer);
    const loaded = await GPT2.load(out, backend);
    expect(await loaded.stateDict()).toEqual(await model.stateDict());
  });

  it('refuses a weights file that is not safetensors, and a config without model_type', async () => {
    const bogus = join(dir, 'bogus.safetensors');
    writeFileSync(bogus, 'not a tensor file at all');
    await expect(
      exportHuggingFace(join(dir, 'x'), { weights: bogus, config: { model_type: 'gpt2' }, tokenizer }),
    ).rejects.toThrow(/bogus.safetensors is not a safetensors file/);
    await expect(
      exportHuggingFace(join(dir, 'x'), { weights: new Uint8Array(4), config: {}, tokenizer }),
    ).rejects.toThrow(/model_type/);
    await expect(
      exportHuggingFace(join(dir, 'x'), { weights: join(dir, 'missing'), config: { model_type: 'gpt2' }, tokenizer }),
    ).rejects.toThrow(/cannot open weights/);
  });
});
