export { cachedNextTokenModel, uncachedNextTokenModel, type CachedNextTokenModel } from './next-token.js';
export { toEngine, causalEngine, type EngineSource } from './to-engine.js';
export { createModelGenerator, type ModelGeneratorOptions } from './model-generator.js';
