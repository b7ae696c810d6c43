/**
 * The error for a stage with nobody to run it: it names the hook a plugin
 * must provide, what was asked for, and what the loaded plugins do offer.
 * Exit code 2: the fix is in the config.
 */
import { ConfigError } from '../errors.js';
import type { ResolvedConfig } from '../types.js';

/**
 * What to add, per kind of provider, in words a user can act on: the hook a
 * plugin must have and, where Kiln ships one, the package and factory to use.
 */
const WHAT_TO_ADD: Record<string, string> = {
  source: 'a data source plugin (a `source` hook), e.g. textFiles() or jsonl() from @kiln/data,',
  encoder: 'an encoder plugin (an `encoder` hook), e.g. shards() from @kiln/data,',
  tokenizer: 'a tokenizer plugin (a `tokenizer` hook), e.g. the default export of @kiln/tokenizers,',
  architecture: 'a model architecture plugin (an `architecture` hook), e.g. the default export of @kiln/gpt2,',
  trainer: 'a trainer plugin (a `trainer` hook for this stage), e.g. the default export of @kiln/trainer for train,',
  evaluator: 'an evaluator plugin (an `evaluator` hook, e.g. perplexity)',
  compressor: 'a compressor plugin (a `compressor` hook, e.g. int8 quantization)',
  exporter: 'an exporter plugin (an `exporter` hook, e.g. safetensors)',
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
