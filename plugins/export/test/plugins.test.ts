import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf as parseGguf } from '@huggingface/gguf';
import { createKiln, createMemoryLogger } from '@kiln/core';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend, readSafetensors } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { gguf, huggingface } from '../src/index.js';

function tinyTokenizer() {
  const vocab: Record<string, number> = {};
  for (let i = 0; i < 63; i++) vocab[String.fromCharCode(0x41 + i)] = i;
  return {
    version: '1.0',
    added_tokens: [{ id: 63, content: '<|endoftext|>', special: true }],
    model: { type: 'BPE', vocab, merges: [] },
  };
}

const logs: string[] = [];
// The architectures come from a Kiln run with the GPT-2 plugin; the tokenizer is the tiny one above.
const kiln = await createKiln({ cwd: tmpdir(), logger: createMemoryLogger(), config: { plugins: [gpt2()] } });
const { engine, architecture } = kiln.context().hooks;
const ctx = {
  logger: { info: (m: string) => void logs.push(m) },
  runDir: { readJson: async () => undefined, path: (...parts: string[]) => join(tmpdir(), ...parts) },
  hooks: {
    engine,
    architecture,
    loadTokenizer: async () => ({ eosId: 63, specialTokens: { '<|endoftext|>': 63 }, toJSON: () => tinyTokenizer() }),
  },
};

describe('exporter plugins', () => {
  it('huggingface() writes the HF layout whose weights equal the model; gguf() writes f32 and q8_0 files an independent reader parses', async () => {
    const model = new GPT2(
      { vocabSize: 64, nPositions: 16, nLayer: 2, nEmbd: 32, nHead: 4 },
      new ReferenceBackend(),
      createRng(1),
    );
    const out = mkdtempSync(join(tmpdir(), 'kiln-export-plugins-'));
    const hf = await huggingface({ generationConfig: { temperature: 0.7 } }).exporter.export(model, out, ctx);
    for (const f of ['model.safetensors', 'config.json', 'tokenizer.json', 'generation_config.json'])
      expect(hf).toContain(f);
    expect(JSON.parse(readFileSync(join(out, 'generation_config.json'), 'utf8'))).toMatchObject({ temperature: 0.7 });
    const weights = await readSafetensors(join(out, 'model.safetensors'));
    const wte = (await model.stateDict()).get('transformer.wte.weight')!;
    expect(Array.from(weights.tensors.get('transformer.wte.weight')!.data as Float32Array)).toEqual(
      Array.from(wte.data),
    );

    for (const type of ['f32', 'q8_0'] as const) {
      const [file] = await gguf({ type }).exporter.export(model, out, ctx);
      expect(file).toBe(`model-${type}.gguf`);
      const path = join(out, file);
      expect(existsSync(path)).toBe(true);
      const parsed = await parseGguf(path, { allowLocalFile: true });
      expect(parsed.metadata['general.architecture']).toBe('gpt2');
      expect(parsed.metadata['gpt2.block_count']).toBe(2);
      expect(parsed.metadata['tokenizer.ggml.tokens']).toHaveLength(64);
      const info = parsed.tensorInfos.find((t) => t.name === 'token_embd.weight')!;
      expect(info.shape.map(Number)).toEqual([32, 64]);
      if (type === 'f32') {
        const bytes = readFileSync(path);
        const start = Number(parsed.tensorDataOffset + info.offset);
        const data = new Float32Array(
          bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + 64 * 32 * 4),
        );
        expect(Array.from(data)).toEqual(Array.from(wte.data));
      }
    }
    expect(() => gguf({ type: 'q4_0' as 'f16' })).toThrow(/type must be 'f32', 'f16' or 'q8_0'/);
    await expect(gguf().exporter.export({}, out, ctx)).rejects.toThrow(
      /\[kiln:export-gguf\] no architecture recognises the model \(Object\); loaded architectures: gpt2/,
    );
  });
});
