/**
 * What a compressor cost: bytes before and after, and the perplexity change
 * on held-out text when `measure` is configured (for an encoder such as BERT,
 * the pseudo-perplexity of masked tokens: exp of the masked-LM loss). Logged, written to
 * metrics.jsonl and appended to compress/report.json (one entry per compressor).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { KilnContext, Tokenizer } from '@kiln/core';
import { maskedLMLoss, sequencePerplexity } from '@kiln/eval';
import type { ModelEngine } from '@kiln/tensor';

export interface MeasureOptions {
  /** Held-out text file (relative to the config's folder), or `text`. */
  file?: string;
  text?: string;
  /** Most tokens to score (default: all of them, as the eval stage's perplexity does). */
  maxTokens?: number;
  /** Tokens per window and between window starts (defaults: the model's context, no overlap), as perplexity() in @kiln/eval takes them. */
  contextLength?: number;
  stride?: number;
  /** Tokenizer (default: the run's). */
  tokenizer?: Pick<Tokenizer, 'encode'> & { eosId?: number; specialTokens?: Readonly<Record<string, number>> };
  /** Encoders: the mask token id (default: the tokenizer's '[MASK]'). */
  maskTokenId?: number;
}

/** The held-out tokens, as each kind of engine scores them. */
export interface MeasureText {
  /** Text tokens with end-of-text first (decoders score every token after it). */
  causal: number[];
  /** Text tokens alone, and the mask id when the tokenizer has one (encoders). */
  plain: number[];
  maskTokenId?: number;
  /** The windows decoders are scored in (the same as @kiln/eval's perplexity() given the same options). */
  windows: { contextLength?: number; stride?: number };
  /** What was measured, for the log and the report: file, tokens, window. */
  label: string;
}

export interface CompressionEntry {
  compressor: string;
  settings: Record<string, unknown>;
  bytesBefore: number;
  bytesAfter: number;
  /** bytesBefore / bytesAfter. */
  ratio: number;
  pplBefore?: number;
  pplAfter?: number;
  /** pplAfter / pplBefore - 1. */
  pplChange?: number;
  /** What the perplexities were measured on (file, tokens, windows). */
  pplOn?: string;
  [key: string]: unknown;
}

export const REPORT_FILE = 'compress/report.json';

/** The held-out tokens to measure on, or null when measuring is off. */
export async function measureIds(m: MeasureOptions | undefined, ctx: KilnContext): Promise<MeasureText | null> {
  if (!m) return null;
  if ((m.file === undefined) === (m.text === undefined))
    throw new Error('measure: give exactly one of "file" or "text"');
  const text = m.text ?? (await readFile(isAbsolute(m.file!) ? m.file! : resolve(ctx.config.root, m.file!), 'utf8'));
  const tokenizer = m.tokenizer ?? (await ctx.hooks.loadTokenizer());
  const all = tokenizer.encode(text);
  const ids = m.maxTokens === undefined ? all : all.slice(0, m.maxTokens);
  const window = m.contextLength === undefined ? "the model's context" : `${m.contextLength}`;
  return {
    causal: tokenizer.eosId === undefined ? ids : [tokenizer.eosId, ...ids],
    plain: ids,
    maskTokenId: m.maskTokenId ?? tokenizer.specialTokens?.['[MASK]'],
    windows: { contextLength: m.contextLength, stride: m.stride },
    label: `${m.file ?? 'text'}: ${ids.length} tokens${ids.length < all.length ? ` of ${all.length}` : ''}, windows of ${window}${m.stride === undefined ? '' : `, stride ${m.stride}`}`,
  };
}

/** Perplexity of a decoder, or the masked-token pseudo-perplexity of an encoder (same seed before and after, so they compare). */
export async function perplexityOf(engine: ModelEngine, text: MeasureText | null): Promise<number | undefined> {
  if (!text) return undefined;
  if (engine.kind === 'causal') return (await sequencePerplexity(engine, text.causal, text.windows)).ppl;
  if (text.maskTokenId === undefined)
    throw new Error(
      `measure: architecture '${engine.architecture}' is scored on masked tokens and the tokenizer has no '[MASK]'; set measure.maskTokenId`,
    );
  return Math.exp((await maskedLMLoss(engine, text.plain, { maskTokenId: text.maskTokenId })).loss);
}

export async function record(ctx: KilnContext, entry: CompressionEntry): Promise<void> {
  const ppl =
    entry.pplBefore === undefined
      ? ''
      : `, perplexity ${entry.pplBefore.toFixed(3)} → ${entry.pplAfter!.toFixed(3)} (${(100 * entry.pplChange!).toFixed(2)}%; ${entry.pplOn})`;
  ctx.logger.info(
    `${entry.compressor}: ${entry.bytesBefore} → ${entry.bytesAfter} bytes (${entry.ratio.toFixed(2)}x smaller)${ppl}`,
  );
  ctx.metrics.write({ event: 'compress', ...entry, settings: JSON.stringify(entry.settings) });
  const previous = await ctx.runDir.readJson<{ entries: CompressionEntry[] }>(REPORT_FILE);
  await ctx.runDir.writeJson(REPORT_FILE, {
    format: 'kiln-compress-report',
    version: 1,
    entries: [...(previous?.entries ?? []), entry],
  });
}
