/**
 * A model's GGUF file from its architecture's conversion (ArchitectureProvider.gguf:
 * llama.cpp's tensor names, ggml's data order, `<arch>.*` keys) plus what every
 * file carries: general.* keys, the tokenizer, and each tensor's storage type
 * (1-D tensors, norms and biases, stay f32; q8_0 falls back to f16 for a matrix
 * whose rows are not a multiple of 32).
 */
import type { GgufConversion, NamedHostTensor } from '@kiln/tensor';
import { QK8_0 } from './q8_0.js';
import { type GgufTokenizerOptions, tokenizerMetadata } from './tokenizer.js';
import { FILE_TYPE, type GgufMetadata, kv, type TensorType } from './types.js';
import type { GgufFile } from './writer.js';

export interface ModelGgufInput {
  /** The saved model's config.json. */
  config: Record<string, unknown>;
  /** Its f32 weights by Hugging Face name. */
  tensors: ReadonlyMap<string, NamedHostTensor>;
  /** tokenizer.json content (byte-level BPE). */
  tokenizer: unknown;
  /** Type of the 2-D weights (default f16). */
  type?: TensorType;
  /** general.name (default 'kiln-<architecture>'). */
  name?: string;
  /** tokenizer.ggml.pre defaults to 'gpt-2'; pass the name llama.cpp knows for your pre-tokenizer. */
  tokenizerOptions?: GgufTokenizerOptions;
  /** Extra metadata (general.description, general.license, kiln.* ...). */
  metadata?: GgufMetadata;
}

function storageType(shape: readonly number[], requested: TensorType): TensorType {
  if (shape.length < 2) return 'f32';
  if (requested === 'q8_0' && shape[shape.length - 1] % QK8_0 !== 0) return 'f16';
  return requested;
}

export function modelGguf(conversion: GgufConversion, input: ModelGgufInput): GgufFile {
  const type = input.type ?? 'f16';
  const converted = conversion.convert({ config: input.config, tensors: input.tensors });
  const c = input.config;
  const id = (key: string) => (Number.isInteger(c[key]) ? (c[key] as number) : undefined);
  const vocabSize = id('vocab_size');
  if (vocabSize === undefined)
    throw new Error(`GGUF ${conversion.architecture} export: config.json 'vocab_size' must be an integer`);
  const metadata: GgufMetadata = {
    'general.architecture': kv.string(conversion.architecture),
    'general.name': kv.string(input.name ?? `kiln-${conversion.architecture}`),
    'general.file_type': kv.u32(FILE_TYPE[type]),
    'general.quantization_version': kv.u32(2),
    ...converted.metadata,
    ...tokenizerMetadata(input.tokenizer, {
      vocabSize,
      eosId: id('eos_token_id'),
      bosId: id('bos_token_id'),
      ...input.tokenizerOptions,
    }),
    ...input.metadata,
  };
  return { metadata, tensors: converted.tensors.map((t) => ({ ...t, type: storageType(t.shape, type) })) };
}
