import type { KilnPlugin, ArchitectureProvider } from '@kiln/core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readQuantization } from '@kiln/tensor';
import { BertForMaskedLM } from './model.js';
import { BertEngine } from './engine.js';
import { bertOptions, configFromOptions } from './config.js';

export { BertForMaskedLM, WRITER, type ForwardOptions } from './model.js';
export { configFromOptions, validateConfig, bertOptions, toHFConfig, fromHFConfig, HIDDEN_ACT, type BertConfig } from './config.js';
export { toHFTensors, fromHFTensors, type HostTensor } from './hf-names.js';
export { BertEngine } from './engine.js';

/** Options of the plugin itself (none: the model's size comes from the config's `model` section). */
export type BertPluginOptions = Record<string, never>;

/**
 * The BERT architecture (masked-LM encoder): `model: { architecture: 'bert',
 * vocabSize, context, nLayer, nEmbd, nHead }` creates one, and directories
 * holding a BERT config.json + model.safetensors load. Train it with
 * `train: { trainer: 'mlm' }` (the mlm trainer of @kiln/trainer).
 */
export default function bert(_options: BertPluginOptions = {}): KilnPlugin {
  const architecture: ArchitectureProvider<BertForMaskedLM | BertEngine> = {
    name: 'bert',
    // `model:` is checked against it when the config loads, before any stage runs.
    options: bertOptions,
    create(options, backend, ctx) {
      const config = configFromOptions(options, 'kiln:bert');
      const model = new BertForMaskedLM(config, backend, ctx.rng.fork('kiln:bert:init'));
      ctx.logger.info('created BERT (masked LM)', { ...config, parameters: model.numParameters() });
      return model;
    },
    async load(dir, backend, ctx) {
      const configPath = join(dir, 'config.json');
      if (!existsSync(configPath)) return undefined;
      const json = JSON.parse(await readFile(configPath, 'utf8')) as { model_type?: unknown };
      if (json.model_type !== 'bert') return undefined;
      // A compressed model (quantized matrices) loads as the inference engine it was saved from.
      const quantization = await readQuantization(dir);
      if (quantization) {
        const engine = await BertEngine.load(dir, backend, quantization);
        ctx.logger.info('loaded quantized BERT', { dir, bytes: engine.matrices.bytes() });
        return engine;
      }
      const model = await BertForMaskedLM.load(dir, backend);
      ctx.logger.info('loaded BERT (masked LM)', { dir, parameters: model.numParameters() });
      return model;
    },
    save: (model, dir) => model.save(dir),
    engine: (model) => (model instanceof BertEngine ? model : model instanceof BertForMaskedLM ? BertEngine.fromBert(model) : undefined),
    // llama.cpp's GGUF BERT is an embedding model without the masked-LM head: no gguf conversion.
  };
  return { name: 'kiln:bert', version: '0.1.0', architecture };
}
