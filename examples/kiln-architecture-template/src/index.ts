/**
 * A Kiln architecture plugin in one call: core's architecturePlugin() does
 * the plugin shell (config.json's model_type check, the init RNG stream, the
 * log lines); this file says what is particular to the architecture.
 *
 *   plugins: [template()],
 *   model: { architecture: 'kiln-template', vocabSize: 4096, context: 256, nLayer: 6, nEmbd: 384, nHead: 6 },
 */
import { architecturePlugin, type KilnPlugin } from '@kiln/core';
import { readQuantization } from '@kiln/tensor';
import { configFromOptions, MODEL_TYPE, templateOptions } from './config.js';
import { TemplateEngine } from './engine.js';
import { TemplateModel } from './model.js';

export { configFromOptions, MODEL_TYPE, type TemplateConfig, templateOptions, WRITER } from './config.js';
export { TemplateEngine } from './engine.js';
export { TemplateModel } from './model.js';

export default function template(): KilnPlugin {
  return architecturePlugin<TemplateModel | TemplateEngine>({
    name: MODEL_TYPE,
    plugin: 'kiln-architecture-template',
    version: '0.1.0',
    label: 'template decoder',
    // Checked against `model:` when the config loads: a typo fails before any stage.
    options: templateOptions,
    init: (options, backend, rng) => new TemplateModel(configFromOptions(options), backend, rng),
    async read(dir, backend) {
      // A compressed model (quantized matrices) is read back as the engine it was saved from.
      const quantization = await readQuantization(dir);
      return quantization ? TemplateEngine.load(dir, backend, quantization) : TemplateModel.load(dir, backend);
    },
    describe: (model) =>
      model instanceof TemplateModel
        ? { ...model.config, parameters: model.numParameters() }
        : { quantized: true, bytes: model.matrices.bytes() },
    save: (model, dir) => model.save(dir),
    // Eval, generate, serve and compress run a model through its engine.
    engine: (model) =>
      model instanceof TemplateEngine
        ? model
        : model instanceof TemplateModel
          ? TemplateEngine.fromModel(model)
          : undefined,
    // No `gguf`: llama.cpp has no layout for this architecture, and the GGUF exporter says so.
  });
}
