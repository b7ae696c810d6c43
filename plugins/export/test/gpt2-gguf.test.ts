import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLQuantizationType, GGUFValueType, gguf } from '@huggingface/gguf';
import { GPT2, gpt2Gguf, gpt2TensorName } from '@kiln/gpt2';
import { ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { dequantizeQ8_0, exportGgufFromDir, f16ToF32, modelGguf, writeGguf } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-gguf-gpt2-'));

/** A byte-level BPE tokenizer.json with 64 tokens: 62 bytes-as-chars, one merge result, <|endoftext|>. */
function tinyTokenizer() {
  const vocab: Record<string, number> = {};
  for (let i = 0; i < 62; i++) vocab[String.fromCharCode(0x41 + i)] = i;
  vocab.AB = 62;
  return {
    version: '1.0',
    added_tokens: [{ id: 63, content: '<|endoftext|>', special: true }],
    model: { type: 'BPE', vocab, merges: [['A', 'B']] },
  };
}

async function readBack(path: string) {
  const parsed = await gguf(path, { allowLocalFile: true, typedMetadata: true });
  const bytes = readFileSync(path);
  const tensor = (name: string) => {
    const info = parsed.tensorInfos.find((t) => t.name === name);
    if (!info) throw new Error(`no tensor ${name}`);
    const shape = info.shape.map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    const start = Number(parsed.tensorDataOffset + info.offset);
    const view = (n: number) =>
      new Uint8Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + n));
    let data: Float32Array;
    if (info.dtype === GGMLQuantizationType.F32) data = new Float32Array(view(count * 4).buffer);
    else if (info.dtype === GGMLQuantizationType.F16)
      data = Float32Array.from(new Uint16Array(view(count * 2).buffer), f16ToF32);
    else data = dequantizeQ8_0(view((count / 32) * 34), count);
    return { shape, dtype: info.dtype, data };
  };
  return { ...parsed, tensor };
}

const transpose = (d: Float32Array, rows: number, cols: number) => {
  const out = new Float32Array(d.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = d[r * cols + c];
  return out;
};

describe('GPT-2 as llama.cpp GGUF', () => {
  it('maps Hugging Face names to llama.cpp names', () => {
    expect(gpt2TensorName('transformer.wte.weight')).toBe('token_embd.weight');
    expect(gpt2TensorName('wpe.weight')).toBe('position_embd.weight');
    expect(gpt2TensorName('transformer.h.11.attn.c_attn.weight')).toBe('blk.11.attn_qkv.weight');
    expect(gpt2TensorName('transformer.h.0.mlp.c_proj.bias')).toBe('blk.0.ffn_down.bias');
    expect(gpt2TensorName('transformer.ln_f.bias')).toBe('output_norm.bias');
    expect(gpt2TensorName('transformer.h.3.attn.masked_bias')).toBeNull();
    expect(() => gpt2TensorName('transformer.h.0.attn.q_proj.weight')).toThrow(/no llama.cpp name/);
  });

  it('exports a Kiln GPT-2 checkpoint: metadata, transposed Conv1D weights, f32 norms', async () => {
    const config = { vocabSize: 64, nPositions: 16, nLayer: 2, nEmbd: 32, nHead: 4 };
    const model = new GPT2(config, new ReferenceBackend());
    const ckpt = join(dir, 'ckpt');
    await model.save(ckpt);
    writeFileSync(join(ckpt, 'tokenizer.json'), JSON.stringify(tinyTokenizer()));
    const state = await model.stateDict();

    for (const type of ['f32', 'f16', 'q8_0'] as const) {
      const out = join(dir, `gpt2-${type}.gguf`);
      await exportGgufFromDir(ckpt, out, gpt2Gguf, { type });
      const back = await readBack(out);
      const m = back.typedMetadata;
      expect(m['general.architecture'].value).toBe('gpt2');
      expect(m['general.file_type'].value).toBe({ f32: 0, f16: 1, q8_0: 7 }[type]);
      expect(m['gpt2.context_length']).toEqual({ value: 16, type: GGUFValueType.UINT32 });
      expect(m['gpt2.embedding_length'].value).toBe(32);
      expect(m['gpt2.feed_forward_length'].value).toBe(128);
      expect(m['gpt2.block_count'].value).toBe(2);
      expect(m['gpt2.attention.head_count'].value).toBe(4);
      expect(m['gpt2.attention.layer_norm_epsilon'].value).toBeCloseTo(1e-5, 10);
      expect(m['tokenizer.ggml.model'].value).toBe('gpt2');
      expect(m['tokenizer.ggml.tokens'].value).toHaveLength(64);
      expect((m['tokenizer.ggml.tokens'].value as string[])[62]).toBe('AB');
      expect(m['tokenizer.ggml.merges'].value).toEqual(['A B']);
      expect((m['tokenizer.ggml.token_type'].value as number[]).slice(61)).toEqual([1, 1, 3]);
      expect(m['tokenizer.ggml.eos_token_id'].value).toBe(63);
      expect(m['tokenizer.ggml.bos_token_id'].value).toBe(63);

      // 4 top-level + 12 per block; tied lm_head and mask buffers left out.
      expect(back.tensorInfos).toHaveLength(4 + 12 * 2);
      expect(back.tensorInfos.some((t) => t.name === 'output.weight')).toBe(false);
      const tol = { f32: 0, f16: 1e-3, q8_0: 2e-2 }[type];
      const close = (a: Float32Array, b: Float32Array) => {
        expect(a.length).toBe(b.length);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        expect(worst).toBeLessThanOrEqual(tol);
      };
      const wte = back.tensor('token_embd.weight');
      expect(wte.shape).toEqual([32, 64]); // ggml ne: [n_embd, n_vocab]
      close(wte.data, state.get('transformer.wte.weight')!.data);
      // HF Conv1D c_attn is (in=32, out=96); ggml wants rows of `in`: ne = [32, 96], data = transpose.
      const qkv = back.tensor('blk.1.attn_qkv.weight');
      expect(qkv.shape).toEqual([32, 96]);
      close(qkv.data, transpose(state.get('transformer.h.1.attn.c_attn.weight')!.data, 32, 96));
      const down = back.tensor('blk.0.ffn_down.weight');
      expect(down.shape).toEqual([128, 32]);
      close(down.data, transpose(state.get('transformer.h.0.mlp.c_proj.weight')!.data, 128, 32));
      const norm = back.tensor('blk.0.attn_norm.weight');
      expect(norm.dtype).toBe(GGMLQuantizationType.F32);
      expect(norm.data).toEqual(state.get('transformer.h.0.ln_1.weight')!.data);
      expect(back.tensor('blk.0.attn_qkv.bias').dtype).toBe(GGMLQuantizationType.F32);
    }
  });

  it('keeps an untied lm_head as output.weight and falls back to f16 for rows that q8_0 cannot hold', async () => {
    const e = 8;
    const t = (shape: number[], v = 0.5) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b)).fill(v) });
    const file = modelGguf(gpt2Gguf, {
      config: { n_embd: e, n_layer: 0, n_head: 2, n_positions: 4, vocab_size: 64 },
      tensors: new Map(
        Object.entries({ 'wte.weight': t([64, e]), 'wpe.weight': t([4, e]), 'lm_head.weight': t([64, e], 0.25) }),
      ),
      tokenizer: tinyTokenizer(),
      type: 'q8_0',
    });
    expect(file.tensors.map((x) => [x.name, x.type])).toEqual([
      ['token_embd.weight', 'f16'],
      ['position_embd.weight', 'f16'],
      ['output.weight', 'f16'],
    ]);
    await writeGguf(join(dir, 'untied.gguf'), file);
    expect(() =>
      modelGguf(gpt2Gguf, {
        config: { n_embd: 8, n_layer: 1, n_head: 2, n_positions: 4, vocab_size: 64 },
        tensors: new Map([['wte.weight', t([64, 8])]]),
        tokenizer: { model: { type: 'WordPiece' } },
      }),
    ).toThrow(/BPE/);
  });
});
