// A small BERT pretrained with the masked-LM objective on the first twenty State of the Union
// addresses (1790-1809, public domain; the text file of the state-of-the-union example),
// tokenized by a WordPiece vocabulary trained here: kiln prepare, then kiln train.

import bert from '@kiln/bert';
import { defineConfig } from '@kiln/core';
import { shards, textFiles } from '@kiln/data';
import tokenizers from '@kiln/tokenizers';
import { mlm } from '@kiln/trainer';

export default defineConfig({
  name: 'bert-wordpiece',
  seed: 1337,
  backend: 'auto',
  plugins: [
    // One document per paragraph of the addresses.
    textFiles({ include: '../state-of-the-union/data/sotu-1790-1809.txt', split: 'paragraph' }),
    // WordPiece with BERT's special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]); [SEP] ends each document.
    tokenizers(),
    shards({ valFraction: 0.05 }),
    bert(),
    mlm(),
  ],
  tokenizer: { type: 'wordpiece', vocabSize: 2000 },
  model: { architecture: 'bert', vocabSize: 2000, context: 64, nLayer: 3, nEmbd: 96, nHead: 4, intermediateSize: 384 },
  train: {
    trainer: 'mlm',
    // 15% of the pieces predicted: 80% shown as [MASK] (id from the tokenizer), 10% random, 10% unchanged.
    maskProbability: 0.15,
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
});
