// A small GPT-2 learns English, byte by byte, from the first twenty State of the Union
// addresses (Washington, Adams, Jefferson: 1790-1809, public domain, 271 KB of text).
import { defineConfig } from '@kiln/core';
import gpt2 from '@kiln/gpt2';
import trainer from '@kiln/trainer';

export default defineConfig({
  name: 'state-of-the-union',
  seed: 1337,
  // The fastest backend installed here (WASM or WebGPU when present, else plain JS).
  backend: 'auto',
  plugins: [gpt2(), trainer()],
  // Bytes are the tokens (vocabulary 256) until a tokenizer and token shards come in.
  model: { architecture: 'gpt2', vocabSize: 256, context: 64, nLayer: 3, nEmbd: 96, nHead: 4 },
  train: {
    trainer: 'causal-lm',
    data: { text: 'data/sotu-1790-1809.txt', valFraction: 0.1 },
    steps: 400,
    batchSize: 16,
    seqLen: 64,
    gradAccum: 1,
    lr: 2e-3,
    warmupSteps: 20,
    weightDecay: 0.1,
    gradClip: 1.0,
    evalEvery: 100,
    evalBatches: 8,
    checkpointEvery: 100,
  },
});
