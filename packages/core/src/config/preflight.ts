/**
 * What can be resolved before any work starts is resolved when the config
 * loads, so a wrong name costs no data, tokenizer or encode time: every
 * provider a section names, the backend, and whether the model's vocabulary
 * covers the tokenizer's. Each problem names the field and the plugin.
 */
import { backendOptionProblems } from '../backend/backend-options.js';
import { listBackendProviders, OPTIONAL_BACKEND_PACKAGES } from '../backend/resolve-backend.js';
import type { KilnHooks } from '../hooks.js';
import { missingProviderText } from '../stages/missing-provider.js';
import type { KilnPlugin, UserConfig } from '../types.js';
import { suggestion } from './did-you-mean.js';
import type { ConfigProblem } from './schema.js';
import type { ProviderSection } from './sections.js';

/** A section that names a provider no loaded plugin offers. */
export function unknownProviderProblems(
  sections: readonly ProviderSection[],
  where: { configFile?: string; plugins: readonly KilnPlugin[] },
): ConfigProblem[] {
  return sections
    .filter((s) => s.requested !== undefined && s.provider === undefined)
    .map((s) => ({
      field: `${s.section}.${s.selector}`,
      message: missingProviderText(where, s.kind, { requested: s.requested, available: s.available }),
    }));
}

/**
 * The backend a config names exists here (a plugin provides it or its optional package is
 * installed), and `backendOptions` pass its schema, or under 'auto' the schemas of the installed
 * backends. Only the named package is imported unless it is missing.
 */
export async function backendProblems(config: UserConfig, hooks: KilnHooks): Promise<ConfigProblem[]> {
  const wanted = config.backend ?? 'auto';
  const options = config.backendOptions ?? {};
  if (wanted === 'auto')
    return Object.keys(options).length === 0
      ? []
      : backendOptionProblems(options, wanted, await listBackendProviders(hooks));
  const named = await listBackendProviders(hooks, undefined, wanted);
  if (named.some((e) => e.provider.name === wanted)) return backendOptionProblems(options, wanted, named);
  const installed = await listBackendProviders(hooks);
  const list = installed.map((e) => `${e.provider.name} (${e.fromPackage ?? e.plugin.name})`).join(', ') || 'none';
  const pkg = OPTIONAL_BACKEND_PACKAGES[wanted];
  const message = pkg
    ? `backend "${wanted}" needs the package ${pkg}: npm install ${pkg} (installed backends: ${list})`
    : `no installed backend is named "${wanted}"${suggestion(
        wanted,
        installed.map((e) => e.provider.name),
      )}; installed backends: ${list}`;
  return [{ field: 'backend', message }];
}

function numberAt(value: Record<string, unknown> | undefined, key: string): number | undefined {
  const n = value?.[key];
  return typeof n === 'number' ? n : undefined;
}

/** The tokenizer's vocabulary size as far as the config tells, and how to say where it comes from. */
function tokenizerVocabulary(config: UserConfig, hooks: KilnHooks, tokenizer: ProviderSection | undefined) {
  const provider = hooks.tokenizer.call(tokenizer?.requested);
  const from = tokenizer?.plugin ? ` (${tokenizer.plugin.name})` : '';
  const { type: _type, ...options } = config.tokenizer ?? {};
  const known = config.tokenizer === undefined ? undefined : provider?.vocabSize?.(options);
  if (known !== undefined)
    return { tokens: known, what: `the ${known} tokens of tokenizer '${provider?.name}'${from}` };
  const tokens = numberAt(tokenizer?.value, 'vocabSize');
  return tokens === undefined ? undefined : { tokens, what: `tokenizer.vocabSize ${tokens}${from}` };
}

/** The model must have an embedding row for every token id the tokenizer will produce. */
export function vocabularyProblems(
  config: UserConfig,
  hooks: KilnHooks,
  sections: readonly ProviderSection[],
): ConfigProblem[] {
  const model = sections.find((s) => s.section === 'model');
  const vocabulary = tokenizerVocabulary(
    config,
    hooks,
    sections.find((s) => s.section === 'tokenizer'),
  );
  const rows = numberAt(model?.value, 'vocabSize');
  if (vocabulary === undefined || rows === undefined || rows >= vocabulary.tokens) return [];
  const { tokens, what } = vocabulary;
  return [
    {
      field: 'model.vocabSize',
      message: `${rows} is smaller than ${what}: token ids ${rows}..${tokens - 1} would have no embedding; set model.vocabSize to at least ${tokens}`,
      plugin: model?.plugin?.name,
    },
  ];
}
