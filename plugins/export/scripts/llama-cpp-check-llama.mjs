#!/usr/bin/env node
/**
 * Manual cross-check (not run by CI) of the Llama GGUF export: random Llama weights
 * (grouped KV heads) → modelGguf(llamaGguf) → llama.cpp (node-llama-cpp, installed outside the
 * repo as in llama-cpp-check.mjs) must give the greedy tokens of Hugging Face's Llama
 * forward, written out in torch by llama_reference.py (Debian python3-torch).
 *   NODE_LLAMA_CPP=/tmp/llama/node_modules/node-llama-cpp node plugins/export/scripts/llama-cpp-check-llama.mjs [f32|f16|q8_0]
 * Exits 1 on a disagreement where the reference's top two logits are > 0.01 apart.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { modelGguf, writeGguf } from '@kiln/export';
import { llamaGguf } from '@kiln/llama';
import { createRng } from '@kiln/tensor';

const type = process.argv[2] ?? 'f32';
const STEPS = 20;
if (!process.env.NODE_LLAMA_CPP) throw new Error('set NODE_LLAMA_CPP to the node-llama-cpp package directory');
const { getLlama } = await import(pathToFileURL(join(process.env.NODE_LLAMA_CPP, 'dist/index.js')).href);

const config = {
  model_type: 'llama',
  vocab_size: 257,
  hidden_size: 64,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  intermediate_size: 128,
  max_position_embeddings: 64,
  rope_theta: 10000,
  rms_norm_eps: 1e-5,
  bos_token_id: 256,
  eos_token_id: 256,
};
const bytes = [];
for (const [a, b] of [
  [33, 126],
  [161, 172],
  [174, 255],
])
  for (let i = a; i <= b; i++) bytes.push(i);
const chars = [...bytes];
for (let b = 0, extra = 0; b < 256; b++) if (!bytes.includes(b)) bytes.push(b), chars.push(256 + extra++);
const tokenizer = {
  added_tokens: [{ id: 256, content: '<|endoftext|>', special: true }],
  model: {
    type: 'BPE',
    vocab: Object.fromEntries(bytes.map((b, i) => [String.fromCodePoint(chars[i]), b])),
    merges: [],
  },
};

const E = 64,
  KV = 32,
  F = 128,
  V = 257;
const shapes = { 'model.embed_tokens.weight': [V, E], 'model.norm.weight': [E], 'lm_head.weight': [V, E] };
for (let l = 0; l < config.num_hidden_layers; l++) {
  const p = `model.layers.${l}.`;
  Object.assign(shapes, {
    [`${p}input_layernorm.weight`]: [E],
    [`${p}post_attention_layernorm.weight`]: [E],
    [`${p}self_attn.q_proj.weight`]: [E, E],
    [`${p}self_attn.k_proj.weight`]: [KV, E],
    [`${p}self_attn.v_proj.weight`]: [KV, E],
    [`${p}self_attn.o_proj.weight`]: [E, E],
    [`${p}mlp.gate_proj.weight`]: [F, E],
    [`${p}mlp.up_proj.weight`]: [F, E],
    [`${p}mlp.down_proj.weight`]: [E, F],
  });
}
const rng = createRng(3);
const tensors = new Map();
const index = {};
const parts = [];
let offset = 0;
for (const [name, shape] of Object.entries(shapes)) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () =>
    shape.length === 1 ? 1 + 0.1 * rng.normal() : 0.25 * rng.normal(),
  );
  tensors.set(name, { shape, data });
  index[name] = { shape, offset };
  parts.push(Buffer.from(data.buffer));
  offset += n * 4;
}
const dir = mkdtempSync(join(tmpdir(), 'kiln-llama-check-'));
writeFileSync(join(dir, 'weights.bin'), Buffer.concat(parts));
writeFileSync(join(dir, 'weights.json'), JSON.stringify({ config, index }));
const gguf = join(dir, `llama-${type}.gguf`);
await writeGguf(gguf, modelGguf(llamaGguf, { config, tensors, tokenizer, type }));

const prompt = [...Buffer.from('Hello kiln')];
const script = join(dirname(fileURLToPath(import.meta.url)), 'llama_reference.py');
const ref = JSON.parse(
  execFileSync('/usr/bin/python3', [script, dir, JSON.stringify(prompt), String(STEPS)], { encoding: 'utf8' }),
);
const llama = await getLlama({ gpu: false, build: 'never' });
const sequence = (await (await llama.loadModel({ modelPath: gguf })).createContext({ contextSize: 64 })).getSequence();
const cpp = [];
for await (const token of sequence.evaluate(prompt, { temperature: 0 })) if (cpp.push(token) >= STEPS) break;

const firstDiff = ref.tokens.findIndex((t, i) => t !== cpp[i]);
console.table([
  {
    type,
    steps: STEPS,
    agreedPrefix: firstDiff === -1 ? STEPS : firstDiff,
    gapAtFirstDiff: firstDiff === -1 ? null : +ref.gaps[firstDiff].toFixed(5),
  },
]);
console.log('torch    ', ref.tokens.join(' '));
console.log('llama.cpp', cpp.join(' '));
if (firstDiff !== -1 && ref.gaps[firstDiff] > 0.01 && type !== 'q8_0') process.exitCode = 1;
process.exit();
