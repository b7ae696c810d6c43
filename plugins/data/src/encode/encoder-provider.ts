import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_SEED, type EncoderProvider, type KilnContext, type StageResult, type Tokenizer } from '@kiln/core';
import { readLines } from '../util/lines.js';
import { byteTokenizer } from './byte-tokenizer.js';
import { encodeDocuments } from './encode.js';
import { writeLlmcShards } from './llmc.js';

export interface ShardEncoderOptions {
  /** Cleaned documents, relative to the run directory (default 'data/clean.jsonl'). */
  input?: string;
  /** Shard directory, relative to the run directory (default 'shards'). */
  output?: string;
  threads?: number;
  valFraction?: number;
  /**
   * Seed of the train/validation split (default 1337, Kiln's default seed). Not the config's `seed`:
   * a seed sweep keeps the same validation documents and reuses the encoded shards.
   */
  splitSeed?: number;
  shardTokens?: number;
  /**
   * Also write every shard in llm.c's layout (uint16 tokens after an int32 header with magic
   * 20240520), for llm.c's and nanoGPT-style trainers: true for `<run>/shards-llmc`, or a directory
   * relative to the run directory.
   */
  llmc?: boolean | string;
}

/**
 * The encode stage: data/clean.jsonl → shards/{train,val}_NNNNNN.bin + manifest.json.
 * Options come from the plugin factory, overridden by the config's `encode` section.
 */
export function shardEncoder(defaults: ShardEncoderOptions = {}): EncoderProvider {
  return {
    name: 'kiln:shards',
    async run(stageOptions: Record<string, unknown>, ctx: KilnContext): Promise<StageResult> {
      const opts = { ...defaults, ...pick(stageOptions) };
      const input = ctx.runDir.path(opts.input ?? 'data/clean.jsonl');
      if (!existsSync(input))
        throw new Error(`encode: ${input} does not exist; run the data stage first (kiln prepare)`);
      const tokenizer = await runTokenizer(ctx);
      const outDir = ctx.runDir.path(opts.output ?? 'shards');
      const progress = ctx.progress('encode', 0);
      const started = Date.now();
      const manifest = await encodeDocuments(readDocs(input), {
        outDir,
        tokenizer,
        threads: opts.threads,
        valFraction: opts.valFraction,
        shardTokens: opts.shardTokens,
        seed: opts.splitSeed ?? DEFAULT_SEED,
        signal: ctx.signal,
        onNote: (message) => ctx.logger.warn(message),
        onProgress: (docs, chars) =>
          progress.update(docs, {
            MB: (chars / 1e6).toFixed(1),
            'MB/s': (chars / 1e3 / Math.max(1, Date.now() - started)).toFixed(2),
          }),
      });
      progress.stop();
      const { train, val } = manifest.splits;
      ctx.logger.info(
        `encode: ${train.tokens} train and ${val.tokens} val tokens in ${train.shards.length + val.shards.length} shards (${tokenizer.type})`,
      );
      const llmcDir = opts.llmc ? (typeof opts.llmc === 'string' ? opts.llmc : 'shards-llmc') : undefined;
      if (llmcDir) {
        const files = [...train.shards, ...val.shards].map((s) => join(outDir, s.file));
        const written = await writeLlmcShards(files, ctx.runDir.path(llmcDir));
        ctx.logger.info(
          `encode: the same tokens in llm.c's layout in ${relative(ctx.runDir.root, ctx.runDir.path(llmcDir))}`,
          {
            files: written.length,
          },
        );
      }
      return {
        metrics: {
          'encode/train_tokens': train.tokens,
          'encode/val_tokens': val.tokens,
          'encode/train_docs': train.documents,
          'encode/val_docs': val.documents,
        },
        outputs: [opts.output ?? 'shards', ...(llmcDir ? [llmcDir] : [])],
      };
    },
  };
}

const KNOWN = ['input', 'output', 'threads', 'valFraction', 'splitSeed', 'shardTokens', 'llmc'];
function pick(options: Record<string, unknown>): ShardEncoderOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key))
      throw new Error(`encode.${key}: unknown option of the kiln:shards encoder (known: ${KNOWN.join(', ')})`);
  }
  return options as ShardEncoderOptions;
}

/** The run's trained tokenizer (from <run>/tokenizer), else the byte-level fallback with a warning. */
async function runTokenizer(ctx: KilnContext): Promise<Tokenizer> {
  const dir = ctx.runDir.path('tokenizer');
  if (existsSync(dir)) {
    const provider = ctx.hooks.tokenizer(ctx.config.tokenizer?.type);
    const loaded = await provider.load(dir, ctx);
    if (loaded) return loaded;
    throw new Error(`encode: ${dir} exists but the '${provider.name}' tokenizer could not load it`);
  }
  ctx.logger.warn('encode: no trained tokenizer in the run directory; using the byte-level fallback (vocabulary 257)');
  return byteTokenizer();
}

async function* readDocs(file: string): AsyncGenerator<{ id: string; text: string }> {
  let line = 0;
  for await (const raw of readLines(file)) {
    line++;
    if (!raw) continue;
    let doc: { id?: unknown; text?: unknown };
    try {
      doc = JSON.parse(raw);
    } catch (err) {
      throw new Error(`encode: ${file}:${line} is not valid JSON (${(err as Error).message})`);
    }
    if (typeof doc.text !== 'string') throw new Error(`encode: ${file}:${line} has no string 'text'`);
    yield { id: typeof doc.id === 'string' ? doc.id : String(line), text: doc.text };
  }
}
