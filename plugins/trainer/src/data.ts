import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { KilnContext, TokenBatches } from '@kiln/core';
import { openShards } from '@kiln/data';
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
export async function byteLevelData(opts: { text: string; valFraction: number }, ctx: KilnContext): Promise<TrainData> {
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

/** A u32 seed drawn from a labelled fork of the run's RNG. */
function seedFor(ctx: KilnContext, label: string): number {
  return ctx.rng.fork(label).int(2 ** 32);
}

/**
 * Token shards from the encode stage (`<runDir>/shards` by default): random
 * training windows, and the validation split read in order from its start.
 */
export function shardData(dir: string, ctx: KilnContext): TrainData {
  const abs = isAbsolute(dir) ? dir : ctx.runDir.path(dir);
  const train = openShards(abs, { split: 'train', seed: seedFor(ctx, 'kiln:trainer:train-data'), mode: 'random' });
  const valSeed = seedFor(ctx, 'kiln:trainer:val-data');
  const hasVal = (() => {
    try {
      openShards(abs, { split: 'val', seed: valSeed, mode: 'sequential' });
      return true;
    } catch {
      return false;
    }
  })();
  return {
    train,
    makeVal: hasVal ? () => openShards(abs, { split: 'val', seed: valSeed, mode: 'sequential' }) : undefined,
    describe: { shards: abs, trainTokens: train.tokens, tokenizer: train.tokenizerTag, validation: hasVal },
  };
}

/** The data the options name: byte-level text, else token shards (the run's own by default). */
export async function resolveData(opts: CausalLmOptions['data'], ctx: KilnContext): Promise<TrainData> {
  if (opts?.text) return byteLevelData({ text: opts.text, valFraction: opts.valFraction }, ctx);
  const dir = opts?.shards ?? 'shards';
  if (!opts?.shards && !existsSync(ctx.runDir.path(dir))) {
    throw new Error(
      `kiln:trainer: no training data: set train.data.text (a UTF-8 file, read as bytes), or run the encode stage (kiln prepare) so that ${ctx.runDir.path(dir)} holds token shards, or set train.data.shards`,
    );
  }
  return shardData(dir, ctx);
}
