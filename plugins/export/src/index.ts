export { f16ToF32, f32ToF16 } from './gguf/f16.js';
export { exportGgufFromDir, type GgufFromDirOptions } from './gguf/from-dir.js';
export { type ModelGgufInput, modelGguf } from './gguf/model-file.js';
export { dequantizeQ8_0, QK8_0, quantizeQ8_0 } from './gguf/q8_0.js';
export { type GgufTokenizerOptions, TokenType, tokenizerMetadata } from './gguf/tokenizer.js';
export {
  GgmlType,
  type GgufMetadata,
  type GgufTensor,
  type GgufValue,
  GgufValueType,
  kv,
  LlamaFileType,
  type TensorType,
} from './gguf/types.js';
export { encodeGgufHeader, encodeTensorData, type GgufFile, tensorBytes, writeGguf } from './gguf/writer.js';
export { exportHuggingFace, type HuggingFaceExportInput } from './huggingface.js';
export { type GgufPluginOptions, gguf, type HuggingFacePluginOptions, huggingface } from './plugins.js';
