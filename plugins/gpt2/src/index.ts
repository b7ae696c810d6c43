import { architecturePlugin, type KilnPlugin } from '@kiln/core';
import { readQuantization } from '@kiln/tensor';
import { configFromOptions, gpt2Options } from './config.js';
import { Gpt2Engine } from './engine.js';
import { gpt2Gguf } from './gguf.js';
import { GPT2 } from './model.js';

export { configFromOptions, fromHFConfig, type GPT2Config, gpt2Options, toHFConfig, validateConfig } from './config.js';
export { Gpt2Engine, type Gpt2EngineConfig, linearNames } from './engine.js';
export { gpt2Gguf, gpt2TensorName } from './gguf.js';
export { type ForwardOptions, GPT2, WRITER } from './model.js';

/** Options of the plugin itself (none yet: the model's size comes from the config's `model` section). */
export type Gpt2PluginOptions = Record<string, never>;

/**
 * The GPT-2 architecture: `model: { architecture: 'gpt2', vocabSize, context,
 * nLayer, nEmbd, nHead }` creates one, and directories holding a GPT-2
 * config.json + model.safetensors (Kiln's or Hugging Face's) load.
 */
export default function gpt2(_options: Gpt2PluginOptions = {}): KilnPlugin {
  return architecturePlugin<GPT2 | Gpt2Engine>({
    name: 'gpt2',
    plugin: 'kiln:gpt2',
    version: '0.1.0',
    label: 'GPT-2',
    options: gpt2Options,
    init: (options, backend, rng) => new GPT2(configFromOptions(options, 'kiln:gpt2'), backend, rng),
    async read(dir, backend) {
      // A compressed model (quantized matrices) loads as the inference engine it was saved from.
      const quantization = await readQuantization(dir);
      return quantization ? Gpt2Engine.load(dir, backend, quantization) : GPT2.load(dir, backend);
    },
    describe: (model) =>
      model instanceof GPT2
        ? { ...model.config, parameters: model.numParameters() }
        : { quantized: true, bytes: model.matrices.bytes() },
    // A compressed model is its engine, which saves its quantized matrices as they are.
    save: (model, dir) => model.save(dir),
    engine: (model) =>
      model instanceof Gpt2Engine ? model : model instanceof GPT2 ? Gpt2Engine.fromGpt2(model) : undefined,
    gguf: gpt2Gguf,
  });
}
