/**
 * The error for a stage with nobody to run it: it names the hook a plugin
 * must provide, what was asked for, and what the loaded plugins do offer.
 * Exit code 2: the fix is in the config.
 */
import { ConfigError } from '../errors.js';
import type { ResolvedConfig } from '../types.js';

/** What to add, per kind of provider, in words a user can act on. */
const WHAT_TO_ADD: Record<string, string> = {
  source: 'a data source plugin (one with a `source` hook, e.g. text files or JSONL)',
  encoder: 'an encoder plugin (one with an `encoder` hook that writes token shards)',
  tokenizer: 'a tokenizer plugin (one with a `tokenizer` hook, e.g. byte-level BPE)',
  architecture: 'a model architecture plugin (one with an `architecture` hook, e.g. gpt2)',
  trainer: 'a trainer plugin (one with a `trainer` hook for this stage)',
  evaluator: 'an evaluator plugin (one with an `evaluator` hook, e.g. perplexity)',
  compressor: 'a compressor plugin (one with a `compressor` hook, e.g. int8 quantization)',
  exporter: 'an exporter plugin (one with an `exporter` hook, e.g. safetensors)',
};

export function missingProvider(
  config: ResolvedConfig,
  kind: keyof typeof WHAT_TO_ADD | string,
  context: { stage?: string; requested?: string; field?: string; available?: string[] },
): ConfigError {
  const asked = context.requested === undefined ? '' : ` named "${context.requested}"`;
  const where = context.stage === undefined ? '' : `stage "${context.stage}": `;
  const offered =
    context.available && context.available.length > 0 ? `; loaded plugins offer: ${context.available.join(', ')}` : '';
  const loaded = config.plugins.map((p) => p.name).join(', ') || 'none';
  return new ConfigError(
    `${where}no ${kind}${asked}. Add ${WHAT_TO_ADD[kind] ?? `a plugin providing \`${kind}\``} to plugins in ${config.configFile ?? 'your llm.config.ts'}${offered} (plugins loaded: ${loaded})`,
    { file: config.configFile, field: context.field },
  );
}
