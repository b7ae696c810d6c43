// The Backend contract (what every device implements).

export { isGradEnabled, noGrad } from './autograd/grad-mode.js';
export { backward, gradOf, record } from './autograd/tape.js';
export * from './backend.js';
// Data-parallel training: the collective contract and the exchanges built on it.
export {
  type BroadcastArray,
  type Collective,
  type FloatArray,
  singleProcess,
} from './distributed/collective.js';
export { allGatherNumbers, broadcastJson, ranksThatDiffer } from './distributed/exchange.js';
export { runAttentionKV, runAttentionKVRows } from './inference/attention-kv.js';
export {
  type DenseTensor,
  EngineWeights,
  QUANT_METHOD,
  type QuantEntry,
  type QuantizationConfig,
  readQuantization,
} from './inference/engine-weights.js';
export {
  allocKVCache,
  cachedRowLength,
  checkCacheLength,
  checkDecodeRows,
  freeKVCache,
  type KVCache,
} from './inference/kv-cache.js';
export { ReusedBuffers, ScratchBuffers } from './inference/scratch.js';
export { causalTokenLosses, lossesFromLogits } from './inference/token-losses.js';
export {
  applyLinear,
  type DenseWeight,
  freeWeight,
  type LinearWeight,
  lookupRows,
  type QuantizedHost,
  type QuantWeight,
  uploadQuantized,
  weightBytes,
} from './inference/weights.js';
export { writeFileAtomic, writeFileAtomicSync } from './io/atomic.js';
// Files.
export {
  parseSafetensors,
  readSafetensors,
  type SafeTensor,
  type SafetensorsDType,
  type SafetensorsFile,
  serializeSafetensors,
  writeSafetensors,
} from './io/safetensors.js';
// The model contracts (what stages after the architecture need from its models).
export * from './model.js';
export { CausalSelfAttention, type CausalSelfAttentionOptions } from './nn/attention.js';
export { Embedding, LayerNorm, Linear, type LinearOptions, linearLayers, RMSNorm } from './nn/layers.js';
export { MLP, type MLPOptions, SwiGLUMLP } from './nn/mlp.js';
// Layers.
export { Module, ModuleList } from './nn/module.js';
export { type AttentionOptions, attention, type HeadDims, type RopeOptions, rope } from './ops/attention.js';
export { type CrossEntropyOptions, crossEntropy, IGNORE_INDEX } from './ops/cross-entropy.js';
export { embedding } from './ops/embedding.js';
// Differentiable ops.
export { linear, type WeightLayout } from './ops/linear.js';
export { layerNorm, rmsNorm } from './ops/norm.js';
export { add, gelu, mulScalar, reshape, swiglu } from './ops/pointwise.js';
// Optimization.
export { AdamW, type AdamWOptions, type AdamWState } from './optim/adamw.js';
export { clipGradNorm, gradNorm } from './optim/clip.js';
export { type CosineScheduleOptions, cosineSchedule } from './optim/schedule.js';
// Host versions of the optional inference ops (fallbacks for backends without them).
export { type AttentionKVDims, attentionKV as attentionKVHost, checkCacheRows } from './reference/kernels/attention.js';
export { dequantize, dequantizeRow, type QuantDims } from './reference/kernels/quant.js';
// The plain-TypeScript oracle backend.
export { ReferenceBackend, type ReferenceBackendOptions } from './reference/reference-backend.js';
// Random numbers.
export { createRng, type Rng } from './rng.js';
export { keep, tidy } from './scope.js';
// Tensors, scopes, autograd.
export { type Node, sizeOf, Tensor } from './tensor.js';
