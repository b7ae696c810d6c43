import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { KilnContext, TokenBatches } from '@kiln/core';
import { byteTokens, MemoryTokenBatches, splitTokens, unigramEntropy } from './memory-batches.js';
import type { CausalLmOptions } from './options.js';

/** Training and validation streams. `makeVal` gives a fresh sampler: every evaluation sees the same batches. */
export interface TrainData {
  train: TokenBatches;
  makeVal?: () => TokenBatches;
  /** Vocabulary the data needs (the model's must be at least this). */
  vocabSize?: number;
  /** For the log: where the data came from and its unigram entropy (nats/token). */
  describe: Record<string, unknown>;
}

/**
 * Byte-level text (`data.text`): UTF-8 bytes as tokens 0..255, the tail held
 * out for validation. Samplers are seeded from ctx.rng, so a run is repeatable.
 */
export async function byteLevelData(opts: NonNullable<CausalLmOptions['data']>, ctx: KilnContext): Promise<TrainData> {
  const path = isAbsolute(opts.text) ? opts.text : resolve(ctx.config.root, opts.text);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`kiln:trainer: train.data.text: cannot read ${path} (${(e as Error).message})`);
  }
  const { train, val } = splitTokens(byteTokens(text), opts.valFraction);
  const valSeed = ctx.rng.fork('kiln:trainer:val-data').state();
  return {
    train: new MemoryTokenBatches(train, ctx.rng.fork('kiln:trainer:train-data'), `${path} (train split)`),
    makeVal: () => {
      const rng = ctx.rng.fork('kiln:trainer:val-data');
      rng.restore(valSeed);
      return new MemoryTokenBatches(val, rng, `${path} (validation split)`);
    },
    vocabSize: 256,
    describe: {
      text: path,
      bytes: train.length + val.length,
      trainTokens: train.length,
      valTokens: val.length,
      unigramEntropy: unigramEntropy(train),
    },
  };
}
