/** The llm.config.ts that `kiln init` writes. */
export const CONFIG_TEMPLATE = `// Kiln configuration: \`kiln run\` executes every stage that has a section below.
import { defineConfig } from '@kiln/core';
// Kiln's own plugins (npm install them beside @kiln/cli), for example:
// import { textFiles, cleaning, shards } from '@kiln/data';
// import tokenizers from '@kiln/tokenizers';
// import gpt2 from '@kiln/gpt2';
// import trainer from '@kiln/trainer';

// defineConfig also takes a function of { command, mode, machine, env }, to fit one config to every machine.
export default defineConfig({
  // The run directory is runs/<name> beside this file; --run-dir overrides it.
  name: 'my-model',
  // Every random choice (init, data order, sampling) derives from this seed.
  seed: 1337,
  // 'auto' picks the fastest available: webgpu on a real GPU, then native, then wasm, then js.
  backend: 'auto',

  // Plugins provide every stage: data sources and cleaners, the tokenizer, the
  // architecture, trainers, evaluators, compressors, exporters and backends.
  // Strings are npm package names ('kiln-plugin-foo' or ['kiln-plugin-foo', { ...options }]);
  // falsy entries are skipped, so \`useGpu && somePlugin()\` reads naturally.
  plugins: [
    // textFiles({ ... }), cleaning({ ... }), tokenizers(), shards(), gpt2(), trainer(),
  ],

  // Stage sections: options here are validated by the plugin that runs the stage.
  // data: {},
  // tokenizer: { type: 'bpe', vocabSize: 8192 },
  // encode: {},
  // model: { architecture: 'gpt2', vocabSize: 8192, context: 256, nLayer: 6, nEmbd: 384, nHead: 6 },
  // train: { trainer: 'causal-lm', steps: 2000, batchSize: 16, seqLen: 256, lr: 6e-4, warmupSteps: 100 },
  // eval: {},
  // export: {},
});
`;
