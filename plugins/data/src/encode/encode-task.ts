import type { Tokenizer } from '@kiln/core';

/**
 * How a worker thread rebuilds a tokenizer: `import(module)[exportName](arg)`.
 * A tokenizer plugin that wants parallel encoding attaches one as `workerSpec`
 * to its Tokenizer object; the result must encode exactly as the original does.
 */
export interface TokenizerWorkerSpec {
  module: string;
  exportName: string;
  arg?: unknown;
}

export interface EncodeBatch {
  texts: string[];
}

export interface EncodedBatch {
  /** Every document's tokens, concatenated. */
  tokens: Uint32Array;
  /** Tokens per document. */
  lengths: Uint32Array;
}

export async function loadTokenizer(spec: TokenizerWorkerSpec): Promise<Tokenizer> {
  const mod = (await import(spec.module)) as Record<string, (arg: unknown) => Tokenizer | Promise<Tokenizer>>;
  const make = mod[spec.exportName];
  if (typeof make !== 'function')
    throw new Error(`tokenizer worker spec: ${spec.module} has no function export '${spec.exportName}'`);
  return make(spec.arg);
}

export function encodeBatch(tokenizer: Tokenizer, batch: EncodeBatch): EncodedBatch {
  const parts = batch.texts.map((t) => tokenizer.encode(t));
  const lengths = Uint32Array.from(parts, (p) => p.length);
  const tokens = new Uint32Array(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const p of parts) {
    tokens.set(p, at);
    at += p.length;
  }
  return { tokens, lengths };
}

/** Entry point for the pool worker. */
export async function createTask(init: { tokenizer: TokenizerWorkerSpec }) {
  const tokenizer = await loadTokenizer(init.tokenizer);
  return (batch: EncodeBatch) => encodeBatch(tokenizer, batch);
}
