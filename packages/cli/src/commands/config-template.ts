/** The llm.config.ts that `kiln init` writes. */
export const CONFIG_TEMPLATE = `// Kiln configuration: \`kiln run\` executes every stage that has a section below.
import { defineConfig } from '@kiln/core';

export default defineConfig(({ command, machine }) => ({
  // The run directory is runs/<name> beside this file; --run-dir overrides it.
  name: 'my-model',
  // Every random choice (init, data order, sampling) derives from this seed.
  seed: 1337,
  // 'auto' picks the fastest available: webgpu on a real GPU, then wasm, then js.
  backend: 'auto',

  // Plugins provide every stage: data sources and cleaners, the tokenizer, the
  // architecture, trainers, evaluators, compressors, exporters and backends.
  // Strings are npm package names ('kiln-plugin-foo' or ['kiln-plugin-foo', { ...options }]);
  // falsy entries are skipped, so \`machine.cpus > 4 && somePlugin()\` reads naturally.
  plugins: [],

  // Stage sections: options here are validated by the plugin that runs the stage.
  // data: {},
  // tokenizer: { type: 'bpe', vocabSize: 8192 },
  // encode: {},
  // model: { architecture: 'gpt2', layers: 6, heads: 6, dim: 384, context: 256 },
  // train: { trainer: 'causal-lm', steps: 2000, batchSize: 16, lr: 6e-4 },
  // eval: {},
  // export: {},
}));
`;
