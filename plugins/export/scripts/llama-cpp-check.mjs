#!/usr/bin/env node
/**
 * Manual cross-check (not run by CI): a Kiln GPT-2 exported to GGUF must generate
 * the same greedy tokens in llama.cpp as in Kiln. llama.cpp comes from the npm
 * package node-llama-cpp's prebuilt binary, installed OUTSIDE the repo (it is
 * ~700 MB):
 *   mkdir /tmp/llama && cd /tmp/llama && npm init -y && npm i -E node-llama-cpp@3.21.1
 *   npm run build   # in the repo: this script imports the built dist
 *   NODE_LLAMA_CPP=/tmp/llama/node_modules/node-llama-cpp node plugins/export/scripts/llama-cpp-check.mjs [f32|f16|q8_0]
 * Exits 1 if the two disagree at a step where Kiln's top two logits are more than
 * 0.01 apart (closer than that, float rounding order may legitimately pick either).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportGgufFromDir } from '@kiln/export';
import { GPT2, gpt2Gguf } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';

const type = process.argv[2] ?? 'f32';
const STEPS = 20;
if (!process.env.NODE_LLAMA_CPP)
  throw new Error('set NODE_LLAMA_CPP to the node-llama-cpp package directory (see the comment at the top)');
const { getLlama } = await import(pathToFileURL(join(process.env.NODE_LLAMA_CPP, 'dist/index.js')).href);

// GPT-2's byte-level alphabet as a 256-token vocabulary plus <|endoftext|>.
const bytes = [];
for (const [a, b] of [
  [33, 126],
  [161, 172],
  [174, 255],
])
  for (let i = a; i <= b; i++) bytes.push(i);
const chars = [...bytes];
for (let b = 0, extra = 0; b < 256; b++) if (!bytes.includes(b)) bytes.push(b), chars.push(256 + extra++);
const vocab = Object.fromEntries(bytes.map((b, i) => [String.fromCodePoint(chars[i]), b]));
const dir = mkdtempSync(join(tmpdir(), 'kiln-llama-check-'));
writeFileSync(
  join(dir, 'tokenizer.json'),
  JSON.stringify({
    version: '1.0',
    added_tokens: [{ id: 256, content: '<|endoftext|>', special: true }],
    model: { type: 'BPE', vocab, merges: [] },
  }),
);

// Weights larger than GPT-2's init (std 0.3) so that logits are far apart.
const model = new GPT2({ vocabSize: 257, nPositions: 64, nLayer: 2, nEmbd: 64, nHead: 4 }, new ReferenceBackend());
const rng = createRng(7);
const state = await model.stateDict();
for (const [name, t] of state)
  if (!/ln_\w*\.weight$/.test(name)) for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * 0.3;
model.loadStateDict(state, 'llama-cpp-check');
await model.save(dir);
const gguf = join(dir, `tiny-${type}.gguf`);
await exportGgufFromDir(dir, gguf, gpt2Gguf, { type });

const prompt = [...Buffer.from('Hello kiln')];
const kiln = [];
const gaps = [];
for (let i = 0, ids = [...prompt]; i < STEPS; i++) {
  const { logits } = model.forward(Int32Array.from(ids), null, { T: ids.length });
  const row = (await logits.toArray()).subarray((ids.length - 1) * 257, ids.length * 257);
  const order = [...row.keys()].sort((a, b) => row[b] - row[a]);
  kiln.push(order[0]);
  gaps.push(row[order[0]] - row[order[1]]);
  ids.push(order[0]);
}

const llama = await getLlama({ gpu: false, build: 'never' });
const sequence = (await (await llama.loadModel({ modelPath: gguf })).createContext({ contextSize: 64 })).getSequence();
const cpp = [];
for await (const token of sequence.evaluate(prompt, { temperature: 0 })) if (cpp.push(token) >= STEPS) break;

const firstDiff = kiln.findIndex((t, i) => t !== cpp[i]);
const agreed = firstDiff === -1 ? STEPS : firstDiff;
console.table([
  { type, steps: STEPS, agreedPrefix: agreed, gapAtFirstDiff: firstDiff === -1 ? null : +gaps[firstDiff].toFixed(5) },
]);
console.log('kiln     ', kiln.join(' '));
console.log('llama.cpp', cpp.join(' '));
const real = firstDiff !== -1 && gaps[firstDiff] > 0.01;
if (real && type !== 'q8_0') process.exitCode = 1;
process.exit();
