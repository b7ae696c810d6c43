export { type ChatMessage, type ChatTemplate, chatml, renderChatPrompt } from './chat.js';
export { type Detokenizer, IncrementalDecoder } from './decode.js';
export {
  ContextLengthError,
  createTextGenerator,
  type FinishReason,
  type GenerateOptions,
  type GenerationChunk,
  type GeneratorTokenizer,
  type NextTokenModel,
  type NextTokenSession,
  type TextGenerator,
  type TextGeneratorOptions,
} from './generator.js';
export { chatTemplateFromTokenizerConfig, type JinjaChatTemplateOptions, jinjaChatTemplate } from './jinja-template.js';
export { chatTemplateFromModelDir } from './model-dir-template.js';
export { type PlainSpecials, plainSpecials } from './plain-specials.js';
export { encodePrompt, type Prompt, type PromptPart, type PromptTokenizer, promptText } from './prompt.js';
export { seededUniform } from './rng.js';
export {
  applyRepetitionPenalty,
  argmax,
  nucleus,
  type SampledToken,
  type SamplingOptions,
  sampleToken,
  topKIndices,
  type UniformSource,
  validateSamplingOptions,
} from './sample.js';
export { type StopResult, StopSequenceMatcher } from './stop.js';
