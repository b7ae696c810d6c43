export { Gpt2Engine, linearNames, type Gpt2EngineConfig, type KVCache } from './gpt2-engine.js';
export { cachedNextTokenModel, uncachedNextTokenModel, type CachedNextTokenModel } from './next-token.js';
export { attentionKV } from './attention-kv.js';
export {
  applyLinear, lookupRows, uploadQuantized, weightBytes, freeWeight,
  type LinearWeight, type DenseWeight, type QuantWeight, type QuantizedHost,
} from './weights.js';
export { toEngine } from './to-engine.js';
export { createModelGenerator, type ModelGeneratorOptions } from './model-generator.js';
export { saveEngine, loadEngine, isQuantizedDir, QUANT_METHOD } from './engine-io.js';
