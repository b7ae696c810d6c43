export { type BatchedModelOptions, type BatchedNextTokenModel, batchedNextTokenModel } from './batched-model.js';
export { createModelGenerator, type ModelGeneratorOptions } from './model-generator.js';
export { type CachedNextTokenModel, cachedNextTokenModel, uncachedNextTokenModel } from './next-token.js';
export { causalEngine, type EngineSource, toEngine } from './to-engine.js';
