/**
 * The plugin shell every architecture shares: `model: { architecture: name }`
 * creates a model from options its schema has checked when the config loaded,
 * and a directory whose config.json says `model_type: name` loads one. The
 * architecture supplies only what differs: its schema, how to build and how to
 * read a model (and whatever else ArchitectureProvider lets it add).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '@kiln/tensor';
import type { ArchitectureProvider, KilnPlugin, Rng } from './types.js';

export interface ArchitectureSpec<Model> extends Omit<ArchitectureProvider<Model>, 'create' | 'load'> {
  /** The plugin's name, e.g. 'kiln:gpt2': shown in errors and the manifest. */
  plugin: string;
  version: string;
  /** How logs call it, e.g. 'GPT-2'. */
  label: string;
  /** config.json's `model_type` this architecture reads (default: its name). */
  modelType?: string;
  /** A fresh model from the `model` section (architecture removed); `rng` is this plugin's own init stream. */
  init(options: Record<string, unknown>, backend: Backend, rng: Rng): Model;
  /** Reads a directory whose config.json has this architecture's model_type. */
  read(dir: string, backend: Backend): Promise<Model>;
  /** What the log line says about a model it created or loaded, e.g. its parameter count. */
  describe(model: Model): Record<string, unknown>;
  /**
   * What its models depend on beyond the `model` section and its version: its plugin options, if it
   * has any (optionsCacheKey). Default none: editing anything else in the config reruns no stage.
   */
  cacheKey?: unknown;
}

/** config.json's model_type in `dir`, or undefined when there is none. */
export async function modelTypeOf(dir: string): Promise<unknown> {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return undefined;
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  return json !== null && typeof json === 'object' && 'model_type' in json ? json.model_type : undefined;
}

/** A KilnPlugin providing one architecture. */
export function architecturePlugin<Model>(spec: ArchitectureSpec<Model>): KilnPlugin {
  const { plugin, version, label, modelType = spec.name, init, read, describe, cacheKey = {}, ...provider } = spec;
  const architecture: ArchitectureProvider<Model> = {
    ...provider,
    create(options, backend, ctx) {
      const model = init(options, backend, ctx.rng.fork(`${plugin}:init`));
      ctx.logger.info(`created ${label}`, describe(model));
      return model;
    },
    async load(dir, backend, ctx) {
      if ((await modelTypeOf(dir)) !== modelType) return undefined;
      const model = await read(dir, backend);
      ctx.logger.info(`loaded ${label}`, { dir, ...describe(model) });
      return model;
    },
  };
  return { name: plugin, version, cacheKey, architecture };
}
