import type { KilnPlugin, ArchitectureProvider } from '@kiln/core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BertForMaskedLM } from './model.js';
import { configFromOptions, bertOptions } from './config.js';

export { BertForMaskedLM, WRITER, type ForwardOptions } from './model.js';
export { configFromOptions, validateConfig, bertOptions, toHFConfig, fromHFConfig, HIDDEN_ACT, type BertConfig } from './config.js';
export { toHFTensors, fromHFTensors, type HostTensor } from './hf-names.js';

/** Options of the plugin itself (none: the model's size comes from the config's `model` section). */
export type BertPluginOptions = Record<string, never>;

/**
 * The BERT architecture (masked-LM encoder): `model: { architecture: 'bert',
 * vocabSize, context, nLayer, nEmbd, nHead }` creates one, and directories
 * holding a BERT config.json + model.safetensors load. Train it with
 * `train: { trainer: 'mlm' }` (the mlm trainer of @kiln/trainer).
 */
export default function bert(_options: BertPluginOptions = {}): KilnPlugin {
  const architecture: ArchitectureProvider<BertForMaskedLM> = {
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
      const model = await BertForMaskedLM.load(dir, backend);
      ctx.logger.info('loaded BERT (masked LM)', { dir, parameters: model.numParameters() });
      return model;
    },
  };
  return { name: 'kiln:bert', version: '0.1.0', architecture: architecture as ArchitectureProvider };
}
