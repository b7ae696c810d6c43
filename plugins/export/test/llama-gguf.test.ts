import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGUFValueType, gguf } from '@huggingface/gguf';
import { llamaGguf, llamaTensorName, permuteForRope } from '@kiln/llama';
import { describe, expect, it } from 'vitest';
import { modelGguf, writeGguf } from '../src/index.js';

const tokenizer = {
  added_tokens: [{ id: 3, content: '<|endoftext|>', special: true }],
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] },
};

describe('Llama as llama.cpp GGUF', () => {
  it('maps Hugging Face names', () => {
    expect(llamaTensorName('model.embed_tokens.weight')).toBe('token_embd.weight');
    expect(llamaTensorName('model.layers.7.self_attn.k_proj.weight')).toBe('blk.7.attn_k.weight');
    expect(llamaTensorName('model.layers.0.mlp.gate_proj.weight')).toBe('blk.0.ffn_gate.weight');
    expect(llamaTensorName('model.layers.0.post_attention_layernorm.weight')).toBe('blk.0.ffn_norm.weight');
    expect(llamaTensorName('model.norm.weight')).toBe('output_norm.weight');
    expect(llamaTensorName('lm_head.weight')).toBe('output.weight');
    expect(llamaTensorName('model.layers.0.self_attn.rotary_emb.inv_freq')).toBeNull();
    expect(() => llamaTensorName('model.layers.0.attn.c_attn.weight')).toThrow(/no llama.cpp name/);
  });

  it('interleaves the two rotate-half halves of every head (row 2i ← i, 2i+1 ← i + d/2)', () => {
    // 2 heads of dim 4, 3 columns; row r holds r*10 + column.
    const rows = 8;
    const cols = 3;
    const data = Float32Array.from({ length: rows * cols }, (_, k) => Math.floor(k / cols) * 10 + (k % cols));
    const out = permuteForRope(data, rows, cols, 2);
    const rowOf = (r: number) => Array.from(out.subarray(r * cols, r * cols + cols));
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((r) => rowOf(r)[0] / 10)).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    expect(rowOf(1)).toEqual([20, 21, 22]);
    expect(() => permuteForRope(new Float32Array(6), 6, 1, 2)).toThrow(/even size/);
  });

  it('writes llama.* metadata, permuted q/k (by their own head counts) and leaves a tied head out', async () => {
    const E = 8;
    const t = (shape: number[]) => ({
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => i),
    });
    const embed = t([4, E]);
    const weights = {
      'model.embed_tokens.weight': embed,
      'lm_head.weight': { shape: [4, E], data: embed.data.slice() },
      'model.norm.weight': t([E]),
      'model.layers.0.input_layernorm.weight': t([E]),
      'model.layers.0.self_attn.q_proj.weight': t([E, E]),
      'model.layers.0.self_attn.k_proj.weight': t([4, E]),
      'model.layers.0.self_attn.v_proj.weight': t([4, E]),
    };
    const config = {
      model_type: 'llama',
      vocab_size: 4,
      hidden_size: E,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      num_hidden_layers: 1,
      intermediate_size: 16,
      max_position_embeddings: 32,
      rms_norm_eps: 1e-6,
      rope_theta: 500000,
      eos_token_id: 3,
    };
    const file = modelGguf(llamaGguf, { config, tensors: new Map(Object.entries(weights)), tokenizer, type: 'f32' });
    expect(file.tensors.map((x) => x.name)).toEqual([
      'token_embd.weight',
      'output_norm.weight',
      'blk.0.attn_norm.weight',
      'blk.0.attn_q.weight',
      'blk.0.attn_k.weight',
      'blk.0.attn_v.weight',
    ]);
    const q = file.tensors.find((x) => x.name === 'blk.0.attn_q.weight')!;
    expect(q.data).toEqual(permuteForRope(weights['model.layers.0.self_attn.q_proj.weight'].data, E, E, 2));
    const k = file.tensors.find((x) => x.name === 'blk.0.attn_k.weight')!;
    expect(k.data).toEqual(permuteForRope(weights['model.layers.0.self_attn.k_proj.weight'].data, 4, E, 1));
    expect(file.tensors.find((x) => x.name === 'blk.0.attn_v.weight')!.data).toEqual(
      weights['model.layers.0.self_attn.v_proj.weight'].data,
    );

    const path = join(mkdtempSync(join(tmpdir(), 'kiln-llama-gguf-')), 'llama.gguf');
    await writeGguf(path, file);
    const m = (await gguf(path, { allowLocalFile: true, typedMetadata: true })).typedMetadata;
    expect(m['general.architecture'].value).toBe('llama');
    expect(m['llama.context_length']).toEqual({ value: 32, type: GGUFValueType.UINT32 });
    expect(m['llama.attention.head_count'].value).toBe(2);
    expect(m['llama.attention.head_count_kv'].value).toBe(1);
    expect(m['llama.rope.dimension_count'].value).toBe(4);
    expect(m['llama.rope.freq_base'].value).toBe(500000);
    expect(m['llama.feed_forward_length'].value).toBe(16);
    expect(m['llama.attention.layer_norm_rms_epsilon'].value).toBeCloseTo(1e-6, 12);
    expect(m['tokenizer.ggml.tokens'].value).toEqual(['a', 'b', 'ab', '<|endoftext|>']);
    expect(m['tokenizer.ggml.eos_token_id'].value).toBe(3);
  });
});
