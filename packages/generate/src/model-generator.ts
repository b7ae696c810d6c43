/**
 * A TextGenerator (what `kiln generate`, `kiln serve` and sample generations
 * consume) over a decoder's inference engine and its tokenizer, with the KV cache.
 */
import {
  type ChatTemplate,
  chatml,
  createTextGenerator,
  type GenerateOptions,
  type GeneratorTokenizer,
  type TextGenerator,
} from '@kiln/sampling';
import type { InferenceEngine } from '@kiln/tensor';
import { batchedNextTokenModel } from './batched-model.js';

export interface ModelGeneratorOptions {
  /** Name shown by /v1/models (default 'kiln'). */
  name?: string;
  /** Default sampling settings, overridden per request. */
  defaults?: GenerateOptions;
  /** Chat template (default ChatML). */
  chatTemplate?: ChatTemplate;
  /**
   * Generations decoded together, each in its own KV-cache row (continuous
   * batching; default 16). The cache grows with the generations open at once.
   */
  batch?: number;
}

export function createModelGenerator(
  engine: InferenceEngine,
  tokenizer: GeneratorTokenizer,
  options: ModelGeneratorOptions = {},
): TextGenerator {
  return createTextGenerator({
    name: options.name ?? 'kiln',
    model: batchedNextTokenModel(engine, { maxBatch: options.batch }),
    tokenizer,
    chatTemplate: options.chatTemplate ?? chatml,
    defaults: options.defaults,
  });
}
