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
  /** Most tokens to score (default 8192). */
  maxTokens?: number;
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
  [key: string]: unknown;
}

export const REPORT_FILE = 'compress/report.json';

/** The held-out tokens to measure on, or null when measuring is off. */
export async function measureIds(m: MeasureOptions | undefined, ctx: KilnContext): Promise<MeasureText | null> {
  if (!m) return null;
  if ((m.file === undefined) === (m.text === undefined)) throw new Error('measure: give exactly one of "file" or "text"');
  const text = m.text ?? (await readFile(isAbsolute(m.file!) ? m.file! : resolve(ctx.config.root, m.file!), 'utf8'));
  const tokenizer = m.tokenizer ?? (await ctx.hooks.loadTokenizer());
  const ids = tokenizer.encode(text).slice(0, m.maxTokens ?? 8192);
  return {
    causal: tokenizer.eosId === undefined ? ids : [tokenizer.eosId, ...ids],
    plain: ids,
    maskTokenId: m.maskTokenId ?? tokenizer.specialTokens?.['[MASK]'],
  };
}

/** Perplexity of a decoder, or the masked-token pseudo-perplexity of an encoder (same seed before and after, so they compare). */
export async function perplexityOf(engine: ModelEngine, text: MeasureText | null): Promise<number | undefined> {
  if (!text) return undefined;
  if (engine.kind === 'causal') return (await sequencePerplexity(engine, text.causal)).ppl;
  if (text.maskTokenId === undefined) throw new Error(`measure: architecture '${engine.architecture}' is scored on masked tokens and the tokenizer has no '[MASK]'; set measure.maskTokenId`);
  return Math.exp((await maskedLMLoss(engine, text.plain, { maskTokenId: text.maskTokenId })).loss);
}

export async function record(ctx: KilnContext, entry: CompressionEntry): Promise<void> {
  const ppl = entry.pplBefore === undefined ? '' : `, perplexity ${entry.pplBefore.toFixed(3)} → ${entry.pplAfter!.toFixed(3)} (${(100 * entry.pplChange!).toFixed(2)}%)`;
  ctx.logger.info(`${entry.compressor}: ${entry.bytesBefore} → ${entry.bytesAfter} bytes (${entry.ratio.toFixed(2)}x smaller)${ppl}`);
  ctx.metrics.write({ event: 'compress', ...entry, settings: JSON.stringify(entry.settings) });
  const previous = await ctx.runDir.readJson<{ entries: CompressionEntry[] }>(REPORT_FILE);
  await ctx.runDir.writeJson(REPORT_FILE, { format: 'kiln-compress-report', version: 1, entries: [...(previous?.entries ?? []), entry] });
}
