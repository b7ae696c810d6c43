import type { KilnPlugin, ArchitectureProvider } from '@kiln/core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GPT2 } from './model.js';
import { configFromOptions, gpt2Options } from './config.js';

export { GPT2, WRITER, type ForwardOptions } from './model.js';
export { configFromOptions, validateConfig, gpt2Options, toHFConfig, fromHFConfig, type GPT2Config } from './config.js';

/** Options of the plugin itself (none yet: the model's size comes from the config's `model` section). */
export type Gpt2PluginOptions = Record<string, never>;

/**
 * The GPT-2 architecture: `model: { architecture: 'gpt2', vocabSize, context,
 * nLayer, nEmbd, nHead }` creates one, and directories holding a GPT-2
 * config.json + model.safetensors (Kiln's or Hugging Face's) load.
 */
export default function gpt2(_options: Gpt2PluginOptions = {}): KilnPlugin {
  const architecture: ArchitectureProvider<GPT2> = {
    name: 'gpt2',
    // `model:` is checked against it when the config loads, before any stage runs.
    options: gpt2Options,
    create(options, backend, ctx) {
      const config = configFromOptions(options, 'kiln:gpt2');
      const model = new GPT2(config, backend, ctx.rng.fork('kiln:gpt2:init'));
      ctx.logger.info('created GPT-2', { ...config, parameters: model.numParameters() });
      return model;
    },
    async load(dir, backend, ctx) {
      const configPath = join(dir, 'config.json');
      if (!existsSync(configPath)) return undefined;
      const json = JSON.parse(await readFile(configPath, 'utf8')) as { model_type?: unknown };
      if (json.model_type !== 'gpt2') return undefined;
      const model = await GPT2.load(dir, backend);
      ctx.logger.info('loaded GPT-2', { dir, parameters: model.numParameters() });
      return model;
    },
    // Compressed models (int8/int4 engines from @kiln/compress) save themselves too.
    save: (model, dir) => (model as { save(dir: string): Promise<string[]> }).save(dir),
  };
  return { name: 'kiln:gpt2', version: '0.1.0', architecture: architecture as ArchitectureProvider };
}
