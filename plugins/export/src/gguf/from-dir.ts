/** GGUF from a checkpoint directory in Hugging Face layout (config.json + model.safetensors + tokenizer.json), through its architecture's conversion. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GgufConversion, type NamedHostTensor, readSafetensors } from '@kiln/tensor';
import { modelGguf } from './model-file.js';
import type { GgufTokenizerOptions } from './tokenizer.js';
import type { TensorType } from './types.js';
import { writeGguf } from './writer.js';

export interface GgufFromDirOptions {
  type?: TensorType;
  /** tokenizer.json path, when it is not inside the checkpoint directory. */
  tokenizerPath?: string;
  name?: string;
  /** Special-token ids (bos/eos/pad) from the tokenizer, over the config.json's. */
  tokenizerOptions?: GgufTokenizerOptions;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`GGUF export: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`GGUF export: ${path} is not JSON: ${(e as Error).message}`);
  }
}

/** Writes `outPath` from dir/config.json, dir/model.safetensors and tokenizer.json; returns its size. */
export async function exportGgufFromDir(
  dir: string,
  outPath: string,
  conversion: GgufConversion,
  options: GgufFromDirOptions = {},
): Promise<number> {
  const configPath = join(dir, 'config.json');
  const config = await readJson(configPath);
  if (config.quantization_config !== undefined) {
    throw new Error(
      `GGUF export: ${configPath} describes a quantized model (${JSON.stringify(config.quantization_config)}); export the f32 model (export.model: 'train'), GGUF q8_0 quantizes on its own`,
    );
  }
  const tokenizer = await readJson(options.tokenizerPath ?? join(dir, 'tokenizer.json'));
  const weights = await readSafetensors(join(dir, 'model.safetensors'));
  const tensors = new Map<string, NamedHostTensor>();
  for (const [name, t] of weights.tensors) {
    if (!(t.data instanceof Float32Array))
      throw new Error(
        `GGUF export: ${join(dir, 'model.safetensors')}: '${name}' is ${t.dtype}, expected a float tensor`,
      );
    tensors.set(name, { shape: t.shape, data: t.data });
  }
  return writeGguf(
    outPath,
    modelGguf(conversion, {
      config,
      tensors,
      tokenizer,
      type: options.type,
      name: options.name,
      tokenizerOptions: options.tokenizerOptions,
    }),
  );
}
