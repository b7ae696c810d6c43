/**
 * The config sections that choose a provider by name (`tokenizer.type`,
 * `encode.encoder`, `model.architecture`, `<stage>.trainer`), each with the
 * provider it chose, the plugin behind it and what else the plugins offer.
 */
import { type KilnHooks, type TapMeta, tappedItems } from '../hooks.js';
import type { KilnPlugin, StageName, StandardSchemaV1, UserConfig } from '../types.js';

export interface ProviderSection {
  /** The config section, e.g. 'model'. */
  section: 'tokenizer' | 'encode' | 'model' | 'train' | 'finetune' | 'align';
  /** The key in it that names the provider, e.g. 'architecture'. */
  selector: string;
  /** What a provider of this section is called in messages, e.g. 'architecture'. */
  kind: 'tokenizer' | 'encoder' | 'architecture' | 'trainer';
  /** The section's value, if the config has one. */
  value?: Record<string, unknown>;
  /** The name the section asks for, if it names one. */
  requested?: string;
  /** The provider chosen (by name, else the first), and the plugin that provides it. */
  provider?: { name: string; options?: StandardSchemaV1 };
  plugin?: KilnPlugin;
  /** Every provider the loaded plugins offer for this section, as shown in messages. */
  available: string[];
}

function section(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function pluginOf(hook: { taps: ReadonlyArray<unknown> }, item: unknown): KilnPlugin | undefined {
  return (hook.taps as ReadonlyArray<TapMeta>).find((tap) => tap.item === item)?.plugin;
}

/** Every provider-choosing section with what it resolved to, whether or not the config has it. */
export function providerSections(config: UserConfig, hooks: KilnHooks): ProviderSection[] {
  const names = (hook: { taps: ReadonlyArray<unknown> }) => tappedItems<{ name: string }>(hook).map((p) => p.name);
  const entry = (
    name: ProviderSection['section'],
    selector: string,
    kind: ProviderSection['kind'],
    hook: { taps: ReadonlyArray<unknown> },
    choose: (requested: string | undefined) => ProviderSection['provider'],
    available: string[],
  ): ProviderSection => {
    const value = section(config[name]);
    const asked = value?.[selector];
    const requested = typeof asked === 'string' ? asked : undefined;
    const provider = choose(requested);
    return { section: name, selector, kind, value, requested, provider, plugin: pluginOf(hook, provider), available };
  };
  const trainers = (stage: StageName & ProviderSection['section']) =>
    entry(
      stage,
      'trainer',
      'trainer',
      hooks.trainer,
      (name) => hooks.trainer.call(name, stage),
      tappedItems<{ name: string; stage: string }>(hooks.trainer)
        .filter((t) => t.stage === stage)
        .map((t) => t.name),
    );
  return [
    entry(
      'tokenizer',
      'type',
      'tokenizer',
      hooks.tokenizer,
      (name) => hooks.tokenizer.call(name),
      names(hooks.tokenizer),
    ),
    entry('encode', 'encoder', 'encoder', hooks.encoder, (name) => hooks.encoder.call(name), names(hooks.encoder)),
    entry(
      'model',
      'architecture',
      'architecture',
      hooks.architecture,
      (name) => hooks.architecture.call(name),
      names(hooks.architecture),
    ),
    trainers('train'),
    trainers('finetune'),
    trainers('align'),
  ];
}
