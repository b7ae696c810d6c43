// The Backend contract (what every device implements).
export * from './backend.js';
// The plain-TypeScript oracle backend.
export { ReferenceBackend, type ReferenceBackendOptions } from './reference/reference-backend.js';
// Host versions of the optional inference ops (fallbacks for backends without them).
export { attentionKV as attentionKVHost, dequantize, dequantizeRow, type AttentionKVDims, type QuantDims } from './reference/kernels/inference.js';
export { runAttentionKV } from './inference/attention-kv.js';
export { allocKVCache, freeKVCache, type KVCache } from './inference/kv-cache.js';
export {
  applyLinear, lookupRows, uploadQuantized, weightBytes, freeWeight,
  type LinearWeight, type DenseWeight, type QuantWeight, type QuantizedHost,
} from './inference/weights.js';
export { EngineWeights, readQuantization, QUANT_METHOD, type QuantEntry, type QuantizationConfig, type DenseTensor } from './inference/engine-weights.js';
export { lossesFromLogits, causalTokenLosses } from './inference/token-losses.js';
// The model contracts (what stages after the architecture need from its models).
export * from './model.js';
// Random numbers.
export { createRng, type Rng } from './rng.js';
// Tensors, scopes, autograd.
export { Tensor, sizeOf, type Node } from './tensor.js';
export { tidy, keep } from './scope.js';
export { noGrad, isGradEnabled } from './autograd/grad-mode.js';
export { backward, gradOf, record } from './autograd/tape.js';
// Differentiable ops.
export { linear, type WeightLayout } from './ops/linear.js';
export { embedding } from './ops/embedding.js';
export { layerNorm, rmsNorm } from './ops/norm.js';
export { gelu, swiglu, add, mulScalar, reshape } from './ops/pointwise.js';
export { attention, rope, type AttentionOptions, type RopeOptions, type HeadDims } from './ops/attention.js';
export { crossEntropy, IGNORE_INDEX, type CrossEntropyOptions } from './ops/cross-entropy.js';
// Layers.
export { Module, ModuleList } from './nn/module.js';
export { Linear, Embedding, LayerNorm, RMSNorm, type LinearOptions } from './nn/layers.js';
export { CausalSelfAttention, type CausalSelfAttentionOptions } from './nn/attention.js';
export { MLP, SwiGLUMLP, type MLPOptions } from './nn/mlp.js';
// Optimization.
export { AdamW, type AdamWOptions, type AdamWState } from './optim/adamw.js';
export { gradNorm, clipGradNorm } from './optim/clip.js';
export { cosineSchedule, type CosineScheduleOptions } from './optim/schedule.js';
// Files.
export {
  readSafetensors, writeSafetensors, parseSafetensors, serializeSafetensors,
  type SafeTensor, type SafetensorsFile, type SafetensorsDType,
} from './io/safetensors.js';
export { writeFileAtomic } from './io/atomic.js';
