import { architecturePlugin, type KilnPlugin } from '@kiln/core';
import { readQuantization } from '@kiln/tensor';
import { bertOptions, configFromOptions } from './config.js';
import { BertEngine } from './engine.js';
import { BertForMaskedLM } from './model.js';

export {
  type BertConfig,
  bertOptions,
  configFromOptions,
  fromHFConfig,
  HIDDEN_ACT,
  toHFConfig,
  validateConfig,
} from './config.js';
export { BertEngine } from './engine.js';
export { fromHFTensors, type HostTensor, toHFTensors } from './hf-names.js';
export { BertForMaskedLM, type ForwardOptions, WRITER } from './model.js';

/** Options of the plugin itself (none: the model's size comes from the config's `model` section). */
export type BertPluginOptions = Record<string, never>;

/**
 * The BERT architecture (masked-LM encoder): `model: { architecture: 'bert',
 * vocabSize, context, nLayer, nEmbd, nHead }` creates one, and directories
 * holding a BERT config.json + model.safetensors load. Train it with
 * `train: { trainer: 'mlm' }` (the mlm trainer of @kiln/trainer).
 */
export default function bert(_options: BertPluginOptions = {}): KilnPlugin {
  return architecturePlugin<BertForMaskedLM | BertEngine>({
    name: 'bert',
    plugin: 'kiln:bert',
    version: '0.1.0',
    label: 'BERT (masked LM)',
    options: bertOptions,
    init: (options, backend, rng) => new BertForMaskedLM(configFromOptions(options, 'kiln:bert'), backend, rng),
    async read(dir, backend) {
      // A compressed model (quantized matrices) loads as the inference engine it was saved from.
      const quantization = await readQuantization(dir);
      return quantization ? BertEngine.load(dir, backend, quantization) : BertForMaskedLM.load(dir, backend);
    },
    describe: (model) =>
      model instanceof BertForMaskedLM
        ? { ...model.config, parameters: model.numParameters() }
        : { quantized: true, bytes: model.matrices.bytes() },
    save: (model, dir) => model.save(dir),
    engine: (model) =>
      model instanceof BertEngine ? model : model instanceof BertForMaskedLM ? BertEngine.fromBert(model) : undefined,
    // llama.cpp's GGUF BERT is an embedding model without the masked-LM head: no gguf conversion.
  });
}
