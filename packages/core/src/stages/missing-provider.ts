/**
 * The error for a stage with nobody to run it: it names the hook a plugin
 * must provide, what was asked for, and what the loaded plugins do offer.
 * Exit code 2: the fix is in the config.
 */

import { suggestion } from '../config/did-you-mean.js';
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

export interface MissingProviderContext {
  stage?: string;
  requested?: string;
  /** What no provider could load (a directory): `no <kind> able to load <loads>`. */
  loads?: string;
  field?: string;
  /** What the loaded plugins offer, e.g. 'causal-lm (train)'. */
  available?: string[];
}

/** `no trainer named "x" (did you mean "y"?). Add ... to plugins in <file>; loaded plugins offer: ...` */
export function missingProviderText(
  where: { configFile?: string; plugins: readonly { name: string }[] },
  kind: keyof typeof WHAT_TO_ADD | string,
  context: MissingProviderContext,
): string {
  const names = (context.available ?? []).map((entry) => entry.replace(/ \(.*\)$/, ''));
  const asked =
    context.loads !== undefined
      ? ` able to load ${context.loads}`
      : context.requested === undefined
        ? ''
        : ` named "${context.requested}"${suggestion(context.requested, names)}`;
  const offered =
    context.available && context.available.length > 0 ? `; loaded plugins offer: ${context.available.join(', ')}` : '';
  const loaded = where.plugins.map((p) => p.name).join(', ') || 'none';
  return `no ${kind}${asked}. Add ${WHAT_TO_ADD[kind] ?? `a plugin providing \`${kind}\``} to plugins in ${where.configFile ?? 'your llm.config.ts'}${offered} (plugins loaded: ${loaded})`;
}

export function missingProvider(
  config: ResolvedConfig,
  kind: keyof typeof WHAT_TO_ADD | string,
  context: MissingProviderContext,
): ConfigError {
  const where = context.stage === undefined ? '' : `stage "${context.stage}": `;
  return new ConfigError(`${where}${missingProviderText(config, kind, context)}`, {
    file: config.configFile,
    field: context.field,
  });
}
