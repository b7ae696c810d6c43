import type { KilnPlugin, ArchitectureProvider } from '@kiln/core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readQuantization } from '@kiln/tensor';
import { Llama } from './model.js';
import { configFromOptions, llamaOptions } from './config.js';
import { LlamaEngine } from './engine.js';
import { llamaGguf } from './gguf.js';

export { Llama, WRITER, type ForwardOptions } from './model.js';
export { configFromOptions, validateConfig, llamaOptions, toHFConfig, fromHFConfig, type LlamaConfig } from './config.js';
export { LlamaEngine, type LlamaKVCache } from './engine.js';
export { toHFTensors, fromHFTensors, type HostTensor } from './hf-names.js';
export { llamaGguf, llamaTensorName, permuteForRope } from './gguf.js';

/** Options of the plugin itself (none: the model's size comes from the config's `model` section). */
export type LlamaPluginOptions = Record<string, never>;

/**
 * The Llama architecture: `model: { architecture: 'llama', vocabSize, context,
 * nLayer, nEmbd, nHead, nKvHead }` creates one, and directories holding a Llama
 * config.json + model.safetensors (Kiln's or Hugging Face's) load.
 */
export default function llama(_options: LlamaPluginOptions = {}): KilnPlugin {
  const architecture: ArchitectureProvider<Llama | LlamaEngine> = {
    name: 'llama',
    // `model:` is checked against it when the config loads, before any stage runs.
    options: llamaOptions,
    create(options, backend, ctx) {
      const config = configFromOptions(options, 'kiln:llama');
      const model = new Llama(config, backend, ctx.rng.fork('kiln:llama:init'));
      ctx.logger.info('created Llama', { ...config, parameters: model.numParameters() });
      return model;
    },
    async load(dir, backend, ctx) {
      const configPath = join(dir, 'config.json');
      if (!existsSync(configPath)) return undefined;
      const json = JSON.parse(await readFile(configPath, 'utf8')) as { model_type?: unknown };
      if (json.model_type !== 'llama') return undefined;
      // A compressed model (quantized matrices) loads as the inference engine it was saved from.
      const quantization = await readQuantization(dir);
      if (quantization) {
        const engine = await LlamaEngine.load(dir, backend, quantization);
        ctx.logger.info('loaded quantized Llama', { dir, bytes: engine.matrices.bytes() });
        return engine;
      }
      const model = await Llama.load(dir, backend);
      ctx.logger.info('loaded Llama', { dir, parameters: model.numParameters() });
      return model;
    },
    save: (model, dir) => model.save(dir),
    engine: (model) => (model instanceof LlamaEngine ? model : model instanceof Llama ? LlamaEngine.fromLlama(model) : undefined),
    gguf: llamaGguf,
  };
  return { name: 'kiln:llama', version: '0.1.0', architecture };
}
