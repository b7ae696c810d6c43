// Every built-in plugin declares its cache key (issue 28 item 7). A plugin without one may keep options in
// a closure Kiln cannot see, so the whole config file's text stands in for them: any edit anywhere in
// llm.config.ts then reruns every stage the plugin takes part in (quantize({ group }) retrained the model).
import align from '@kiln/align';
import nativeBackend from '@kiln/backend-native';
import wasmBackend from '@kiln/backend-wasm';
import webgpu from '@kiln/backend-webgpu';
import bert from '@kiln/bert';
import { prune, quantize } from '@kiln/compress';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import * as data from '@kiln/data';
import { exactAnswer, maskedLM, multipleChoice, perplexity, samples, taskAccuracy } from '@kiln/eval';
import { gguf, huggingface } from '@kiln/export';
import finetune from '@kiln/finetune';
import gpt2 from '@kiln/gpt2';
import llama from '@kiln/llama';
import report from '@kiln/report';
import { customReward, exactMatch, formatCheck, lengthPenalty, regexAnswer, rewardModel } from '@kiln/rewards';
import tokenizers from '@kiln/tokenizers';
import trainer, { mlm } from '@kiln/trainer';
import { expect, test } from 'vitest';

const BUILT_IN: Array<KilnPlugin | KilnPlugin[]> = [
  data.textFiles({ include: 'x.txt' }),
  data.jsonl({ include: 'x.jsonl' } as Parameters<typeof data.jsonl>[0]),
  data.parquet({ include: 'x.parquet' } as Parameters<typeof data.parquet>[0]),
  data.sotu(),
  data.chinesePoetry(),
  data.cleaning(),
  data.shards(),
  data.byteLevel(),
  tokenizers(),
  gpt2(),
  llama(),
  bert(),
  trainer(),
  mlm(),
  finetune(),
  align(),
  exactMatch(),
  regexAnswer({ pattern: /(\d+)/ }),
  formatCheck({ pattern: /^\d+$/ }),
  lengthPenalty({ maxChars: 10 }),
  rewardModel({ load: async () => ({ score: async () => 0 }) } as Parameters<typeof rewardModel>[0]),
  customReward('test:zero', () => 0),
  perplexity({ text: 'a b c' }),
  maskedLM({ text: 'a b c' }),
  multipleChoice({ items: [] } as Parameters<typeof multipleChoice>[0]),
  exactAnswer({ items: [] } as Parameters<typeof exactAnswer>[0]),
  samples({ prompts: ['a'] }),
  taskAccuracy({ file: 'qa.jsonl' }),
  prune(),
  quantize(),
  huggingface() as unknown as KilnPlugin,
  gguf() as unknown as KilnPlugin,
  report(),
  nativeBackend(),
  wasmBackend(),
  webgpu(),
];

test('every built-in plugin declares a cache key', async () => {
  const plugins = BUILT_IN.flat();
  // Core adds its own js backend to every run.
  const kiln = await createKiln({ config: { backend: 'js' }, logger: createMemoryLogger() });
  plugins.push(...kiln.config.plugins.filter((p) => p.name === 'kiln:backend-js'));
  await kiln.close();
  expect(plugins.length).toBeGreaterThan(40);
  const missing = plugins.filter((p) => p.cacheKey === undefined).map((p) => p.name);
  expect(missing).toEqual([]);
});
