export {
  sampleToken,
  applyRepetitionPenalty,
  argmax,
  topKIndices,
  nucleus,
  validateSamplingOptions,
  type SamplingOptions,
  type SampledToken,
  type UniformSource,
} from './sample.js';
export { seededUniform } from './rng.js';
export { StopSequenceMatcher, type StopResult } from './stop.js';
export { IncrementalDecoder, type Detokenizer } from './decode.js';
export { chatml, type ChatMessage, type ChatTemplate } from './chat.js';
export { jinjaChatTemplate, chatTemplateFromTokenizerConfig, type JinjaChatTemplateOptions } from './jinja-template.js';
export { chatTemplateFromModelDir } from './model-dir-template.js';
export {
  createTextGenerator,
  ContextLengthError,
  type TextGenerator,
  type TextGeneratorOptions,
  type GenerateOptions,
  type GenerationChunk,
  type FinishReason,
  type NextTokenModel,
  type GeneratorTokenizer,
} from './generator.js';
