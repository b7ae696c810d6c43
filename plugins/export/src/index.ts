export { writeGguf, encodeGgufHeader, encodeTensorData, tensorBytes, type GgufFile } from './gguf/writer.js';
export { kv, GgufValueType, GgmlType, LlamaFileType, type GgufValue, type GgufMetadata, type GgufTensor, type TensorType } from './gguf/types.js';
export { f32ToF16, f16ToF32 } from './gguf/f16.js';
export { quantizeQ8_0, dequantizeQ8_0, QK8_0 } from './gguf/q8_0.js';
export { modelGguf, type ModelGgufInput } from './gguf/model-file.js';
export { tokenizerMetadata, TokenType, type GgufTokenizerOptions } from './gguf/tokenizer.js';
export { exportGgufFromDir, type GgufFromDirOptions } from './gguf/from-dir.js';
export { exportHuggingFace, type HuggingFaceExportInput } from './huggingface.js';
export { huggingface, gguf, type HuggingFacePluginOptions, type GgufPluginOptions } from './plugins.js';
