/**
 * The Kiln plugin: tokenizer providers 'bpe' and 'wordpiece' for the tokenizer stage.
 *
 *   plugins: [tokenizers()],
 *   tokenizer: { type: 'bpe', vocabSize: 32000, pattern: 'cjk' }
 *   tokenizer: { type: 'bpe', extend: './gpt2', newTokens: 8000 }   // vocabulary extension
 *   tokenizer: { type: 'wordpiece', vocabSize: 30522 }
 */

import { isAbsolute, resolve } from 'node:path';
import type { Doc, KilnContext, KilnPlugin, TokenizerProvider } from '@kiln/core';
import { z } from 'zod';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { type BpeTrainOptions, trainBpe } from './bpe-trainer.js';
import { TOKENIZER_COMMANDS } from './commands.js';
import { extendBpe } from './extend.js';
import { loadTokenizer } from './load.js';
import type { NormalizerName } from './normalizer.js';
import { trainWordPiece, WordPieceTokenizer } from './wordpiece.js';

/** Options are checked by core against these schemas when the config loads (`tokenizer:` minus `type`). */
const int = z.number().int();

async function* texts(docs: AsyncIterable<Doc>): AsyncIterable<string> {
  for await (const d of docs) yield d.text;
}

function progress(ctx: KilnContext, label: string) {
  let bar: ReturnType<KilnContext['progress']> | undefined;
  return (phase: 'count' | 'merge', done: number, total: number) => {
    if (phase === 'merge') {
      bar ??= ctx.progress(`${label}: merges`, total);
      bar.update(done);
      if (done >= total) bar.stop();
    } else if (done % (16 << 20) < 1 << 20) {
      ctx.logger.info(`${label}: counting words`, { charsRead: done });
    }
  };
}

export function bpeProvider(defaults: BpeTrainOptions = {}): TokenizerProvider {
  return {
    name: 'bpe',
    options: z.strictObject({
      vocabSize: int.optional(),
      minFrequency: int.optional(),
      specialTokens: z.array(z.string()).optional(),
      pattern: z.string().optional(),
      maxWordChars: int.optional(),
      maxDistinctWords: int.optional(),
      normalizers: z.array(z.string()).optional(),
      extend: z.string().optional(),
      newTokens: int.optional(),
    }),
    async train(docs, options, ctx) {
      const o = { ...defaults, ...options } as BpeTrainOptions & { extend?: string; newTokens?: number };
      if (o.extend) {
        const dir = isAbsolute(o.extend) ? o.extend : resolve(ctx.config.root, o.extend);
        const base = await loadTokenizer(dir);
        if (!(base instanceof BpeTokenizer))
          throw new Error(
            `kiln:bpe: tokenizer.extend: no byte-level BPE tokenizer found at ${dir} (tokenizer.json, encoder.json + vocab.bpe, or *.tiktoken)`,
          );
        const tok = await extendBpe(base, texts(docs), {
          newTokens: o.newTokens ?? 8000,
          minFrequency: o.minFrequency,
          maxWordChars: o.maxWordChars,
          maxDistinctWords: o.maxDistinctWords,
          onProgress: progress(ctx, 'bpe extend'),
          signal: ctx.signal,
        });
        ctx.logger.info('extended tokenizer', { from: base.vocabSize, to: tok.vocabSize });
        return tok;
      }
      const tok = await trainBpe(texts(docs), {
        ...o,
        normalizers: o.normalizers as NormalizerName[] | undefined,
        onProgress: progress(ctx, 'bpe'),
        signal: ctx.signal,
      });
      ctx.logger.info('trained BPE tokenizer', { vocabSize: tok.vocabSize, merges: tok.model.mergeCount });
      return tok;
    },
    async load(dir) {
      const tok = await loadTokenizer(dir);
      return tok instanceof BpeTokenizer ? tok : undefined;
    },
  };
}

export function wordPieceProvider(defaults: Record<string, unknown> = {}): TokenizerProvider {
  return {
    name: 'wordpiece',
    options: z.strictObject({
      vocabSize: int.optional(),
      minFrequency: int.optional(),
      specialTokens: z.array(z.string()).optional(),
      limitAlphabet: int.optional(),
      normalizer: z.record(z.string(), z.unknown()).optional(),
    }),
    async train(docs, options, ctx) {
      const tok = await trainWordPiece(texts(docs), {
        ...defaults,
        ...options,
        onProgress: progress(ctx, 'wordpiece'),
        signal: ctx.signal,
      });
      ctx.logger.info('trained WordPiece tokenizer', { vocabSize: tok.vocabSize });
      return tok;
    },
    async load(dir) {
      const tok = await loadTokenizer(dir);
      return tok instanceof WordPieceTokenizer ? tok : undefined;
    },
  };
}

/** Both providers; options are defaults under the config's `tokenizer` section. */
export default function tokenizers(
  options: { bpe?: BpeTrainOptions; wordpiece?: Record<string, unknown> } = {},
): KilnPlugin {
  return {
    name: 'kiln:tokenizers',
    version: '0.1.0',
    // The tokenizer stage reruns when these defaults change (and not when other plugins are added).
    cacheKey: options,
    tokenizer: [bpeProvider(options.bpe), wordPieceProvider(options.wordpiece)],
    // kiln tokenizer encode|decode|inspect.
    command: TOKENIZER_COMMANDS,
  };
}
