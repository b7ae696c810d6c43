// What Hugging Face's own tokenizer libraries make of Kiln's exported tokenizers: the pure-JS
// @huggingface/tokenizers (given tokenizer_config.json, as transformers.js passes it) and the
// native `tokenizers` (Rust). Kiln's byte-level tokenizer is written as a BPE with no merges over
// the ByteLevel alphabet, which encodes every byte as itself.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { byteLevel, byteTokenizer } from '@kiln/data';
import { exportHuggingFace, tokenizerMetadata } from '@kiln/export';
import { GPT2 } from '@kiln/gpt2';
import { ReferenceBackend } from '@kiln/tensor';
import { trainBpe } from '@kiln/tokenizers';
import { describe, expect, it } from 'vitest';

const native = createRequire(import.meta.url)('tokenizers') as typeof import('tokenizers');
const dir = mkdtempSync(join(tmpdir(), 'kiln-hf-tokenizer-'));
const TEXTS = ['a != b', 'héllo, wörld ✓ 中文 😀', "don't  stop\n\n  x = y ;", ' leading and trailing '];

/** Exports a tiny GPT-2 with `tokenizer` and returns the folder. */
async function exportWith(name: string, tokenizer: Record<string, unknown>, vocabSize: number, eos: number) {
  const model = new GPT2({ vocabSize, nPositions: 16, nLayer: 1, nEmbd: 16, nHead: 2 }, new ReferenceBackend());
  const ckpt = join(dir, `${name}-ckpt`);
  await model.save(ckpt);
  const config = {
    ...JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8')),
    bos_token_id: eos,
    eos_token_id: eos,
  };
  const out = join(dir, name);
  await exportHuggingFace(out, { weights: join(ckpt, 'model.safetensors'), config, tokenizer });
  model.dispose();
  return out;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('exported tokenizer files, read by Hugging Face libraries', () => {
  it("tokenizer_config.json turns off clean_up_tokenization_spaces, so 'a != b' decodes as 'a != b'", async () => {
    const tok = await trainBpe(['a != b is not a!= b', ...TEXTS], { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
    const out = await exportWith('bpe', tok.toJSON() as Record<string, unknown>, tok.vocabSize, tok.eosId);
    const config = readJson(join(out, 'tokenizer_config.json'));
    expect(config).toMatchObject({ clean_up_tokenization_spaces: false, eos_token: '<|endoftext|>' });
    const js = new HfJsTokenizer(readJson(join(out, 'tokenizer.json')), config);
    for (const text of TEXTS) expect(js.decode(tok.encode(text))).toBe(text);
    // special_tokens_map.json, as save_pretrained writes it.
    expect(readJson(join(out, 'special_tokens_map.json'))).toEqual({
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
    });
  });

  it('the byte-level tokenizer is a tokenizer.json both Hugging Face libraries load, with the same ids', async () => {
    const bytes = byteTokenizer();
    const out = await exportWith('bytes', bytes.toJSON() as Record<string, unknown>, 257, 256);
    const file = join(out, 'tokenizer.json');
    const js = new HfJsTokenizer(readJson(file), readJson(join(out, 'tokenizer_config.json')));
    const nat = native.Tokenizer.fromFile(file);
    for (const text of [...TEXTS, 'one<|endoftext|>two']) {
      const ids = bytes.encode(text, { allowSpecial: true });
      expect(js.encode(text, { add_special_tokens: false }).ids, text).toEqual(ids);
      expect((await nat.encode(text, null, { addSpecialTokens: false })).getIds(), text).toEqual(ids);
      expect(js.decode(ids), text).toBe(text);
      expect(await nat.decode(ids, false), text).toBe(text);
    }
    // GGUF takes it too: 256 byte tokens and end-of-text as a control token.
    const meta = tokenizerMetadata(bytes.toJSON(), { vocabSize: 257, eosId: 256 });
    expect((meta['tokenizer.ggml.tokens'] as { value: string[] }).value).toHaveLength(257);
    expect((meta['tokenizer.ggml.token_type'] as { value: number[] }).value[256]).toBe(3);
  });

  it('the byte-level provider loads what it saved, in this format and the earlier kiln:bytes one', async () => {
    const provider = byteLevel().tokenizer!;
    for (const [name, json] of [
      ['now', byteTokenizer().toJSON()],
      ['before', { version: '1.0', added_tokens: [], model: { type: 'kiln:bytes', vocab_size: 257 } }],
    ] as const) {
      const at = join(dir, `saved-${name}`);
      const folder = mkdtempSync(`${at}-tok-`);
      writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(json));
      const loaded = await provider.load!(folder, {} as never);
      expect(loaded?.hash(), name).toBe(byteTokenizer().hash());
    }
    // A BPE tokenizer.json with merges is not the byte tokenizer.
    const folder = mkdtempSync(join(dir, 'bpe-'));
    const bpe = await trainBpe(TEXTS, { vocabSize: 280, specialTokens: ['<|endoftext|>'] });
    writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(bpe.toJSON()));
    expect(await provider.load!(folder, {} as never)).toBeUndefined();
  });
});
