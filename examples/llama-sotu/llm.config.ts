// A small Llama learns English, byte by byte, from the first twenty State of the Union
// addresses (1790-1809, public domain; the text file of the state-of-the-union example):
// kiln run: documents → byte tokens → shards, training, then the Hugging Face and GGUF exports;
// kiln generate samples from it.
// Same size and schedule as that example's GPT-2, so the two architectures compare.
import { defineConfig } from '@kiln/core';
import { byteLevel, shards, textFiles } from '@kiln/data';
import { gguf, huggingface } from '@kiln/export';
import llama from '@kiln/llama';
import trainer from '@kiln/trainer';

export default defineConfig({
  name: 'llama-sotu',
  seed: 1337,
  // The fastest backend installed here (WASM or WebGPU when present, else plain JS).
  backend: 'auto',
  plugins: [
    // One document per paragraph of the addresses.
    textFiles({ include: '../state-of-the-union/data/sotu-1790-1809.txt', split: 'paragraph' }),
    // UTF-8 bytes as tokens, 256 = end of document.
    byteLevel(),
    shards({ valFraction: 0.1 }),
    llama(),
    trainer(),
    // LlamaForCausalLM safetensors + a byte-level tokenizer.json Hugging Face loads; GGUF (f16) for llama.cpp.
    huggingface(),
    gguf({ type: 'f16' }),
  ],
  tokenizer: { type: 'bytes' },
  // Grouped-query attention: 4 query heads share 2 key/value heads. Untied LM head (Llama's default).
  model: {
    architecture: 'llama',
    vocabSize: 257,
    context: 64,
    nLayer: 3,
    nEmbd: 96,
    nHead: 4,
    nKvHead: 2,
    intermediateSize: 256,
  },
  train: {
    trainer: 'causal-lm',
    steps: 400,
    batchSize: 16,
    seqLen: 64,
    lr: 2e-3,
    warmupSteps: 20,
    weightDecay: 0.1,
    gradClip: 1.0,
    evalEvery: 100,
    evalBatches: 8,
    checkpointEvery: 100,
  },
  export: {},
});
