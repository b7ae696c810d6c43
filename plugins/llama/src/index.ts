import { architecturePlugin, type KilnPlugin } from '@kiln/core';
import { readQuantization } from '@kiln/tensor';
import { configFromOptions, llamaOptions } from './config.js';
import { LlamaEngine } from './engine.js';
import { llamaGguf } from './gguf.js';
import { Llama } from './model.js';

export {
  configFromOptions,
  fromHFConfig,
  type LlamaConfig,
  llamaOptions,
  toHFConfig,
  validateConfig,
} from './config.js';
export { LlamaEngine, type LlamaKVCache } from './engine.js';
export { llamaGguf, llamaTensorName, permuteForRope } from './gguf.js';
export { fromHFTensors, type HostTensor, toHFTensors } from './hf-names.js';
export { type ForwardOptions, Llama, WRITER } from './model.js';

/** Options of the plugin itself (none: the model's size comes from the config's `model` section). */
export type LlamaPluginOptions = Record<string, never>;

/**
 * The Llama architecture: `model: { architecture: 'llama', vocabSize, context,
 * nLayer, nEmbd, nHead, nKvHead }` creates one, and directories holding a Llama
 * config.json + model.safetensors (Kiln's or Hugging Face's) load.
 */
export default function llama(_options: LlamaPluginOptions = {}): KilnPlugin {
  return architecturePlugin<Llama | LlamaEngine>({
    name: 'llama',
    plugin: 'kiln:llama',
    version: '0.1.0',
    label: 'Llama',
    options: llamaOptions,
    init: (options, backend, rng) => new Llama(configFromOptions(options, 'kiln:llama'), backend, rng),
    async read(dir, backend) {
      // A compressed model (quantized matrices) loads as the inference engine it was saved from.
      const quantization = await readQuantization(dir);
      return quantization ? LlamaEngine.load(dir, backend, quantization) : Llama.load(dir, backend);
    },
    describe: (model) =>
      model instanceof Llama
        ? { ...model.config, parameters: model.numParameters() }
        : { quantized: true, bytes: model.matrices.bytes() },
    save: (model, dir) => model.save(dir),
    engine: (model) =>
      model instanceof LlamaEngine ? model : model instanceof Llama ? LlamaEngine.fromLlama(model) : undefined,
    gguf: llamaGguf,
  });
}
