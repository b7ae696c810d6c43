import type { KilnPlugin, ArchitectureProvider } from '@kiln/core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readQuantization } from '@kiln/tensor';
import { GPT2 } from './model.js';
import { configFromOptions, gpt2Options } from './config.js';
import { Gpt2Engine } from './engine.js';
import { gpt2Gguf } from './gguf.js';

export { GPT2, WRITER, type ForwardOptions } from './model.js';
export { configFromOptions, validateConfig, gpt2Options, toHFConfig, fromHFConfig, type GPT2Config } from './config.js';
export { Gpt2Engine, linearNames, type Gpt2EngineConfig } from './engine.js';
export { gpt2Gguf, gpt2TensorName } from './gguf.js';

/** Options of the plugin itself (none yet: the model's size comes from the config's `model` section). */
export type Gpt2PluginOptions = Record<string, never>;

/**
 * The GPT-2 architecture: `model: { architecture: 'gpt2', vocabSize, context,
 * nLayer, nEmbd, nHead }` creates one, and directories holding a GPT-2
 * config.json + model.safetensors (Kiln's or Hugging Face's) load.
 */
export default function gpt2(_options: Gpt2PluginOptions = {}): KilnPlugin {
  const architecture: ArchitectureProvider<GPT2 | Gpt2Engine> = {
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
      // A compressed model (quantized matrices) loads as the inference engine it was saved from.
      const quantization = await readQuantization(dir);
      if (quantization) {
        const engine = await Gpt2Engine.load(dir, backend, quantization);
        ctx.logger.info('loaded quantized GPT-2', { dir, bytes: engine.matrices.bytes() });
        return engine;
      }
      const model = await GPT2.load(dir, backend);
      ctx.logger.info('loaded GPT-2', { dir, parameters: model.numParameters() });
      return model;
    },
    // A compressed model is its engine, which saves its quantized matrices as they are.
    save: (model, dir) => model.save(dir),
    engine: (model) => (model instanceof Gpt2Engine ? model : model instanceof GPT2 ? Gpt2Engine.fromGpt2(model) : undefined),
    gguf: gpt2Gguf,
  };
  return { name: 'kiln:gpt2', version: '0.1.0', architecture };
}
